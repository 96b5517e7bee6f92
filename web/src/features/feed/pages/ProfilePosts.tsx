import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { t } from '../../../core/i18n';
import { usePaged, useResource } from '../../../core/loading';
import { getUser } from '../../graph/api';
import { listUserMoments, listUserPosts } from '../api';
import { PostList } from '../components/PostList';

type Which = 'moments' | 'posts';

/** A profile's Moments (as far as this viewer may see them) and public posts. */
export function ProfilePostsPage({ id }: { id: string }) {
  const [which, setWhich] = useState<Which>('moments');
  const user = useResource(() => getUser(id), [id]);
  const list = usePaged((cursor) => (which === 'moments' ? listUserMoments(id, cursor) : listUserPosts(id, cursor)), [id, which]);
  return (
    <Screen title={user.data?.display_name ?? t('feed.profilePosts')} back={`/users/${id}`}>
      <div class="segmented" role="tablist">
        {(['moments', 'posts'] as const).map((option) => (
          <button
            type="button"
            key={option}
            role="tab"
            aria-selected={which === option}
            class={which === option ? 'segment active' : 'segment'}
            data-testid={`profile-${option}`}
            onClick={() => setWhich(option)}
          >
            {t(option === 'moments' ? 'feed.userMoments' : 'feed.userPosts')}
          </button>
        ))}
      </div>
      <PostList list={list} empty={t('feed.noPosts')} testId="profile-posts" />
    </Screen>
  );
}
