import { useState } from 'preact/hooks';
import { LangToggle } from '../../../core/components/LangToggle';
import { Screen } from '../../../core/components/Screen';
import { useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { href } from '../../../core/router';
import { startSession } from '../../../core/session';
import { login } from '../api';

export function Login() {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [busy, run] = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => startSession(await login({ login: name.trim(), password })));
  };

  return (
    <Screen title={t('app.name')}>
      <form class="card form auth-form" onSubmit={submit}>
        <h2>{t('login.title')}</h2>
        <label>
          {t('login.login')}
          <input
            data-testid="login-login"
            autocomplete="username"
            required
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('field.password')}
          <input
            data-testid="login-password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary" data-testid="login-submit" disabled={busy}>
          {t('login.submit')}
        </button>
        <p class="form-footer">
          {t('login.noAccount')}{' '}
          <a href={href('/signup')} data-testid="goto-signup">
            {t('signup.title')}
          </a>
        </p>
      </form>
      <div class="center">
        <LangToggle />
      </div>
    </Screen>
  );
}
