import { useState } from 'preact/hooks';
import { useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { changePassword } from '../api';

export function PasswordForm({ onChanged }: { onChanged: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [busy, run] = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const ok = await run(
      () => changePassword({ current_password: current, new_password: next }),
      t('me.passwordChanged'),
    );
    if (ok) {
      setCurrent('');
      setNext('');
      onChanged();
    }
  };

  return (
    <form class="card form" onSubmit={submit}>
      <h3>{t('me.changePassword')}</h3>
      <label>
        {t('me.currentPassword')}
        <input
          type="password"
          data-testid="password-current"
          autocomplete="current-password"
          required
          value={current}
          onInput={(e) => setCurrent(e.currentTarget.value)}
        />
      </label>
      <label>
        {t('me.newPassword')}
        <input
          type="password"
          data-testid="password-new"
          autocomplete="new-password"
          required
          value={next}
          onInput={(e) => setNext(e.currentTarget.value)}
        />
      </label>
      <p class="hint">{t('me.passwordHint')}</p>
      <button type="submit" class="primary" data-testid="password-submit" disabled={busy}>
        {t('me.changePassword')}
      </button>
    </form>
  );
}
