import { useState } from 'preact/hooks';
import { LangToggle } from '../../../core/components/LangToggle';
import { Screen } from '../../../core/components/Screen';
import { useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { href } from '../../../core/router';
import { startSession } from '../../../core/session';
import type { AccountKind } from '../../../core/types';
import { signup } from '../api';

export function Signup() {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [phone, setPhone] = useState('');
  const [kind, setKind] = useState<AccountKind>('consumer');
  const [busy, run] = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    // Optional fields are left out rather than sent empty: the server validates what it is given.
    const body = {
      password,
      display_name: displayName.trim(),
      kind,
      ...(username.trim() && { username: username.trim() }),
      ...(phone.trim() && { phone: phone.trim() }),
    };
    void run(async () => startSession(await signup(body)));
  };

  return (
    <Screen title={t('app.name')}>
      <form class="card form auth-form" onSubmit={submit}>
        <h2>{t('signup.title')}</h2>
        <label>
          {t('field.username')}
          <input
            data-testid="signup-username"
            autocomplete="username"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('field.displayName')}
          <input
            data-testid="signup-display-name"
            autocomplete="nickname"
            required
            value={displayName}
            onInput={(e) => setDisplayName(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('field.password')}
          <input
            data-testid="signup-password"
            type="password"
            autocomplete="new-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('signup.phone')}
          <input
            data-testid="signup-phone"
            type="tel"
            autocomplete="tel"
            value={phone}
            onInput={(e) => setPhone(e.currentTarget.value)}
          />
        </label>
        <fieldset class="choice">
          <legend>{t('signup.kind')}</legend>
          {(['consumer', 'merchant'] as const).map((value) => (
            <label key={value} class="inline">
              <input
                type="radio"
                name="kind"
                data-testid={`signup-kind-${value}`}
                checked={kind === value}
                onChange={() => setKind(value)}
              />
              {t(value === 'consumer' ? 'signup.consumer' : 'signup.merchant')}
            </label>
          ))}
        </fieldset>
        <p class="hint">{t('signup.hint')}</p>
        <button type="submit" class="primary" data-testid="signup-submit" disabled={busy}>
          {t('signup.submit')}
        </button>
        <p class="form-footer">
          {t('signup.haveAccount')}{' '}
          <a href={href('/login')} data-testid="goto-login">
            {t('login.title')}
          </a>
        </p>
      </form>
      <div class="center">
        <LangToggle />
      </div>
    </Screen>
  );
}
