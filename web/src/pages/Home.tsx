import { useState } from 'preact/hooks';
import { PostComposer } from '../components/feed/Composer';
import { PostList } from '../components/feed/PostList';
import { Screen } from '../components/Screen';
import { homeTimeline, type Post } from '../feedApi';
import { t } from '../i18n';
import { usePaged } from '../loading';

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
