import { useState } from 'preact/hooks';
import { useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { currentUser } from '../../../core/session';
import type { Me } from '../../../core/types';
import { updateMe } from '../api';

export function ProfileEditor({ me }: { me: Me }) {
  const [displayName, setDisplayName] = useState(me.display_name);
  const [bio, setBio] = useState(me.bio);
  const [region, setRegion] = useState(me.region);
  const [busy, run] = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      async () => currentUser.set(await updateMe({ display_name: displayName.trim(), bio, region })),
      t('me.saved'),
    );
  };

  return (
    <form class="card form" onSubmit={submit}>
      <h3>{t('me.editProfile')}</h3>
      <label>
        {t('field.displayName')}
        <input
          data-testid="profile-display-name"
          required
          value={displayName}
          onInput={(e) => setDisplayName(e.currentTarget.value)}
        />
      </label>
      <label>
        {t('me.bio')}
        <textarea data-testid="profile-bio" rows={2} value={bio} onInput={(e) => setBio(e.currentTarget.value)} />
      </label>
      <label>
        {t('me.region')}
        <input data-testid="profile-region" value={region} onInput={(e) => setRegion(e.currentTarget.value)} />
      </label>
      <button type="submit" class="primary" data-testid="profile-save" disabled={busy}>
        {t('common.save')}
      </button>
    </form>
  );
}
