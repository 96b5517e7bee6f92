import { PagedList } from '../../../core/components/PagedList';
import { Screen } from '../../../core/components/Screen';
import { UserRow } from '../../../core/components/UserRow';
import { attempt } from '../../../core/flash';
import { t, type MessageKey } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import type { Cursor, Page, UserCard } from '../../../core/types';
import { listBlocks, listFollowers, listFollowing, unblock } from '../api';

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
