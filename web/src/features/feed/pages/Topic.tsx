import { Screen } from '../../../core/components/Screen';
import { t } from '../../../core/i18n';
import { usePaged, useResource } from '../../../core/loading';
import { getTopic, topicPosts } from '../api';
import { PostList } from '../components/PostList';

/** A topic page (PUB-3): its head and the posts filed under it that this viewer may see. */
export function TopicPage({ name }: { name: string }) {
  const info = useResource(() => getTopic(name), [name]);
  const list = usePaged((cursor) => topicPosts(name, cursor), [name]);
  return (
    <Screen title={`#${name}#`} back="/discover">
      <section class="card topic-head" data-testid="topic-head">
        <h2>#{name}#</h2>
        {info.data && (
          <p class="muted">
            {t('feed.topicStats', { count: info.data.post_count })}
            {info.data.hot_rank !== null && <> · {t('feed.topicRank', { rank: info.data.hot_rank })}</>}
          </p>
        )}
      </section>
      <PostList list={list} empty={t('feed.noPosts')} testId="topic-posts" />
    </Screen>
  );
}
