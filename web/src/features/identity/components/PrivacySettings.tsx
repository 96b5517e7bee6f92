import { useState } from 'preact/hooks';
import { useAction } from '../../../core/flash';
import { t, type MessageKey } from '../../../core/i18n';
import { currentUser } from '../../../core/session';
import type { Me } from '../../../core/types';
import { updateMe } from '../api';

type Setting = 'discoverable_by_username' | 'discoverable_by_phone';

const settings: { key: Setting; label: MessageKey; testId: string }[] = [
  { key: 'discoverable_by_username', label: 'me.discoverableByUsername', testId: 'discoverable-username' },
  { key: 'discoverable_by_phone', label: 'me.discoverableByPhone', testId: 'discoverable-phone' },
];

/** Who can find me in search; each switch saves at once. */
export function PrivacySettings({ me }: { me: Me }) {
  const [busy, run] = useAction();
  // The switch shows the chosen value while it is being saved, and falls back to the saved one after.
  const [saving, setSaving] = useState<{ key: Setting; value: boolean } | null>(null);
  const toggle = async (key: Setting, value: boolean) => {
    setSaving({ key, value });
    await run(async () => currentUser.set(await updateMe({ [key]: value })), t('me.saved'));
    setSaving(null);
  };

  return (
    <section class="card form">
      <h3>{t('me.privacy')}</h3>
      {settings.map(({ key, label, testId }) => (
        <label key={key} class="switch">
          <span>{t(label)}</span>
          <input
            type="checkbox"
            data-testid={testId}
            checked={saving?.key === key ? saving.value : me[key]}
            disabled={busy}
            onChange={(e) => void toggle(key, e.currentTarget.checked)}
          />
        </label>
      ))}
    </section>
  );
}
