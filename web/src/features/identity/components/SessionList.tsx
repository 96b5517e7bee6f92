import { PagedList } from '../../../core/components/PagedList';
import { attempt } from '../../../core/flash';
import { formatTime, t } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { listSessions, revokeSession } from '../api';

/** Devices signed in to this account; any but this one can be signed out from here. */
export function SessionList() {
  const sessions = usePaged(listSessions, []);
  const revoke = async (id: string) => {
    if (await attempt(() => revokeSession(id), t('me.sessionRevoked'))) sessions.reload();
  };

  return (
    <section class="card">
      <h3>{t('me.sessions')}</h3>
      <PagedList list={sessions} testId="sessions-list" empty={t('common.none')}>
        {(session) => (
          <li key={session.id} class="row" data-testid="session-row">
            <span class="row-text">
              <span class="row-title">
                {session.user_agent || t('me.unknownDevice')}
                {session.current && <span class="badge badge-verified">{t('me.thisDevice')}</span>}
              </span>
              <span class="row-subtitle">
                {[session.ip, t('me.lastSeen', { time: formatTime(session.last_seen_at) })].filter(Boolean).join(' · ')}
              </span>
            </span>
            {!session.current && (
              <span class="row-actions">
                <button type="button" class="small" data-testid="revoke-session" onClick={() => revoke(session.id)}>
                  {t('me.revoke')}
                </button>
              </span>
            )}
          </li>
        )}
      </PagedList>
    </section>
  );
}
