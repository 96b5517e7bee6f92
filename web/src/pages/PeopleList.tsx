import { listBlocks, listFollowers, listFollowing, unblock, type Cursor, type Page, type UserCard } from '../api';
import { PagedList } from '../components/PagedList';
import { Screen } from '../components/Screen';
import { UserRow } from '../components/UserRow';
import { attempt } from '../flash';
import { t, type MessageKey } from '../i18n';
import { usePaged } from '../loading';

export type PeopleListKind = 'following' | 'followers' | 'blocked';

const lists: Record<PeopleListKind, { load: (cursor: Cursor) => Promise<Page<UserCard>>; title: MessageKey; empty: MessageKey }> = {
  following: { load: listFollowing, title: 'contacts.following', empty: 'contacts.noFollowing' },
  followers: { load: listFollowers, title: 'contacts.followers', empty: 'contacts.noFollowers' },
  blocked: { load: listBlocks, title: 'contacts.blocked', empty: 'contacts.noBlocked' },
};

/** Following, followers and blocked people: the same list of user cards, blocked ones with Unblock. */
export function PeopleListPage({ kind }: { kind: PeopleListKind }) {
  const { load, title, empty } = lists[kind];
  const people = usePaged(load, [kind]);
  const unblockUser = async (id: string) => {
    if (await attempt(() => unblock(id), t('user.unblocked'))) people.reload();
  };

  return (
    <Screen title={t(title)} back="/contacts">
      <section class="card">
        <PagedList list={people} testId={`${kind}-list`} empty={t(empty)}>
          {(user) => (
            <UserRow
              key={user.id}
              user={user}
              testId={`${kind}-row`}
              actions={
                kind === 'blocked' && (
                  <button type="button" class="small" data-testid="unblock" onClick={() => unblockUser(user.id)}>
                    {t('user.unblock')}
                  </button>
                )
              }
            />
          )}
        </PagedList>
      </section>
    </Screen>
  );
}
