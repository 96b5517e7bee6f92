import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { t } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { homeTimeline, type Post } from '../api';
import { PostComposer } from '../components/Composer';
import { PostList } from '../components/PostList';

/** The home timeline: public posts of the accounts one follows (and one's own), newest first. */
export function HomePage() {
  const list = usePaged(homeTimeline, []);
  const [fresh, setFresh] = useState<Post[]>([]);
  const add = (post: Post) => setFresh((before) => [post, ...before]);
  return (
    <Screen title={t('feed.home')} back="/discover">
      <PostComposer onPosted={add} />
      <PostList list={list} fresh={fresh} empty={t('feed.noHome')} testId="home-list" onReposted={add} />
    </Screen>
  );
}
