import { PagedList } from '../../../core/components/PagedList';
import { Screen } from '../../../core/components/Screen';
import { UserRow } from '../../../core/components/UserRow';
import { attempt } from '../../../core/flash';
import { t, type MessageKey } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { href } from '../../../core/router';
import { acceptFriendRequest, declineFriendRequest, listFriendRequests, listFriends } from '../api';
import { UserSearch } from '../components/UserSearch';

const subpages: { path: string; label: MessageKey; testId: string }[] = [
  { path: '/contacts/following', label: 'contacts.following', testId: 'goto-following' },
  { path: '/contacts/followers', label: 'contacts.followers', testId: 'goto-followers' },
  { path: '/contacts/tags', label: 'contacts.tags', testId: 'goto-tags' },
  { path: '/contacts/blocked', label: 'contacts.blocked', testId: 'goto-blocked' },
];

/** WeChat's address book: search, new friend requests, links to the other lists, then friends. */
export function ContactsPage() {
  const incoming = usePaged((cursor) => listFriendRequests('incoming', cursor), []);
  const outgoing = usePaged((cursor) => listFriendRequests('outgoing', cursor), []);
  const friends = usePaged(listFriends, []);

  const answer = async (id: string, accept: boolean) => {
    const ok = await attempt(
      () => (accept ? acceptFriendRequest(id) : declineFriendRequest(id)),
      t(accept ? 'requests.accepted' : 'requests.declined'),
    );
    if (!ok) return;
    incoming.reload();
    if (accept) friends.reload();
  };

  return (
    <Screen title={t('tab.contacts')}>
      <UserSearch />

      <nav class="card menu">
        {subpages.map(({ path, label, testId }) => (
          <a key={path} class="menu-item" href={href(path)} data-testid={testId}>
            {t(label)}
            <span class="chevron" aria-hidden="true">
              ›
            </span>
          </a>
        ))}
      </nav>

      <section class="card">
        <h3>{t('requests.incoming')}</h3>
        <PagedList list={incoming} testId="incoming-requests" empty={t('requests.noneIncoming')}>
          {(request) => (
            <UserRow
              key={request.id}
              user={request.from_user}
              testId="incoming-request"
              detail={request.message}
              actions={
                <>
                  <button
                    type="button"
                    class="small primary"
                    data-testid="accept-request"
                    onClick={() => answer(request.id, true)}
                  >
                    {t('requests.accept')}
                  </button>
                  <button
                    type="button"
                    class="small"
                    data-testid="decline-request"
                    onClick={() => answer(request.id, false)}
                  >
                    {t('requests.decline')}
                  </button>
                </>
              }
            />
          )}
        </PagedList>
      </section>

      <section class="card">
        <h3>{t('requests.outgoing')}</h3>
        <PagedList list={outgoing} testId="outgoing-requests" empty={t('requests.noneOutgoing')}>
          {(request) => (
            <UserRow
              key={request.id}
              user={request.to_user}
              testId="outgoing-request"
              detail={request.message}
              actions={<span class="muted">{t('requests.pending')}</span>}
            />
          )}
        </PagedList>
      </section>

      <section class="card">
        <h3>{t('contacts.friends')}</h3>
        <PagedList list={friends} testId="friends-list" empty={t('contacts.noFriends')}>
          {(friend) => (
            <UserRow
              key={friend.user.id}
              user={friend.user}
              testId="friend-row"
              title={friend.remark}
              detail={
                friend.tags.length > 0 && (
                  <span class="tags">
                    {friend.tags.map((tag) => (
                      <span key={tag.id} class="tag-chip">
                        {tag.name}
                      </span>
                    ))}
                  </span>
                )
              }
            />
          )}
        </PagedList>
      </section>
    </Screen>
  );
}
