import { useState } from 'preact/hooks';
import { PagedList } from '../../../core/components/PagedList';
import { Screen } from '../../../core/components/Screen';
import { UserRow } from '../../../core/components/UserRow';
import { attempt, showNotice, useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { usePaged, useResource } from '../../../core/loading';
import { navigate } from '../../../core/router';
import { addTagMember, deleteTag, listFriends, listTagMembers, listTags, removeTagMember, renameTag } from '../api';

/** One tag: rename or delete it, and choose which friends carry it. */
export function TagDetailPage({ id }: { id: string }) {
  // The API has no single-tag read; the tag list is short, so pick the tag out of it.
  const tags = useResource(listTags, [id]);
  const members = usePaged((cursor) => listTagMembers(id, cursor), [id]);
  const friends = usePaged(listFriends, []);
  const [name, setName] = useState<string | null>(null);
  const [busy, run] = useAction();

  const tag = tags.data?.items.find((item) => item.id === id);
  const shownName = name ?? tag?.name ?? '';
  // A friend's own tag list says whether they already carry this tag.
  const candidates = friends.items.filter((friend) => !friend.tags.some((tagRef) => tagRef.id === id));

  const rename = async (e: Event) => {
    e.preventDefault();
    if (await run(() => renameTag(id, shownName.trim()), t('tags.renamed'))) tags.reload();
  };
  const remove = async () => {
    if (await run(() => deleteTag(id))) {
      navigate('/contacts/tags');
      showNotice(t('tags.deleted'));
    }
  };
  const changeMember = async (userId: string, add: boolean) => {
    const ok = await attempt(() => (add ? addTagMember(id, userId) : removeTagMember(id, userId)));
    if (!ok) return;
    members.reload();
    friends.reload();
  };

  return (
    <Screen title={tag?.name ?? t('contacts.tags')} back="/contacts/tags">
      <form class="card inline-form" onSubmit={rename}>
        <input
          data-testid="tag-rename-input"
          aria-label={t('tags.rename')}
          required
          value={shownName}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <button type="submit" class="primary" data-testid="tag-rename" disabled={busy || !tag}>
          {t('tags.rename')}
        </button>
        <button type="button" class="danger" data-testid="tag-delete" disabled={busy || !tag} onClick={remove}>
          {t('common.delete')}
        </button>
      </form>

      <section class="card">
        <h3>{t('tags.members')}</h3>
        <PagedList list={members} testId="tag-members" empty={t('tags.noMembers')}>
          {(user) => (
            <UserRow
              key={user.id}
              user={user}
              testId="tag-member"
              actions={
                <button
                  type="button"
                  class="small"
                  data-testid="tag-remove-member"
                  onClick={() => changeMember(user.id, false)}
                >
                  {t('common.remove')}
                </button>
              }
            />
          )}
        </PagedList>
      </section>

      <section class="card">
        <h3>{t('tags.addMembers')}</h3>
        <PagedList
          list={{ ...friends, items: candidates }}
          testId="tag-candidates"
          empty={t('tags.noCandidates')}
        >
          {(friend) => (
            <UserRow
              key={friend.user.id}
              user={friend.user}
              title={friend.remark}
              testId="tag-candidate"
              actions={
                <button
                  type="button"
                  class="small primary"
                  data-testid="tag-add-member"
                  onClick={() => changeMember(friend.user.id, true)}
                >
                  {t('common.add')}
                </button>
              }
            />
          )}
        </PagedList>
      </section>
    </Screen>
  );
}
