import { useState } from 'preact/hooks';
import { Avatar } from '../../../core/components/Avatar';
import { Badges } from '../../../core/components/Badges';
import { LangToggle } from '../../../core/components/LangToggle';
import { Screen } from '../../../core/components/Screen';
import { attempt, useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { navigate } from '../../../core/router';
import { currentUser, endSession } from '../../../core/session';
import { useStore } from '../../../core/store';
import { OperatorLinks as AuditLinks } from '../../audit/components/OperatorLinks';
import { MeShopLinks } from '../../commerce/components/MeShopLinks';
import { OperatorLinks as ModerationLinks } from '../../moderation/components/OperatorLinks';
import { logout, uploadAvatar } from '../api';
import { PasswordForm } from '../components/PasswordForm';
import { PrivacySettings } from '../components/PrivacySettings';
import { ProfileEditor } from '../components/ProfileEditor';
import { SessionList } from '../components/SessionList';

export function MePage() {
  const me = useStore(currentUser);
  const [uploading, run] = useAction();
  // Bumped after a password change, which signs out the other devices, to list the sessions afresh.
  const [sessionsVersion, setSessionsVersion] = useState(0);
  if (!me) {
    return (
      <Screen title={t('tab.me')}>
        <p class="empty">{t('common.loading')}</p>
      </Screen>
    );
  }

  const onAvatar = (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    // Clear the input so choosing the same file again still fires a change.
    input.value = '';
    if (file) void run(async () => currentUser.set(await uploadAvatar(file)), t('me.avatarUpdated'));
  };

  const signOut = async () => {
    // Forget the token locally even if the server could not be told.
    await attempt(logout);
    endSession();
    // The next person to log in on this device starts from the home tab, not from this page.
    navigate('/login');
  };

  return (
    <Screen title={t('tab.me')}>
      <section class="card profile-card">
        <label class="avatar-upload" title={t('me.changeAvatar')}>
          <Avatar user={me} size="large" />
          <input
            type="file"
            accept="image/jpeg,image/png,image/webp,image/gif"
            data-testid="avatar-file"
            disabled={uploading}
            onChange={onAvatar}
          />
          <span class="avatar-upload-label">{t('me.changeAvatar')}</span>
        </label>
        <div class="profile-text">
          <h2 data-testid="me-display-name">{me.display_name}</h2>
          <p class="muted">
            {me.username && <span data-testid="me-username">@{me.username}</span>}
            {me.phone && <span> · {me.phone}</span>}
          </p>
          <p>
            <Badges user={me} />
          </p>
          {me.bio && <p>{me.bio}</p>}
          {me.region && <p class="muted">{me.region}</p>}
        </div>
      </section>

      <MeShopLinks />
      <ModerationLinks />
      <AuditLinks />
      <ProfileEditor me={me} />
      <PrivacySettings me={me} />
      <PasswordForm onChanged={() => setSessionsVersion((v) => v + 1)} />
      <SessionList key={sessionsVersion} />

      <section class="card actions-card">
        <LangToggle />
        <button type="button" class="danger" data-testid="logout" onClick={signOut}>
          {t('me.logout')}
        </button>
      </section>
    </Screen>
  );
}
