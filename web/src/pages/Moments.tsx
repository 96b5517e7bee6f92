import { useState } from 'preact/hooks';
import { MomentComposer } from '../components/feed/Composer';
import { PostList } from '../components/feed/PostList';
import { Screen } from '../components/Screen';
import { listMoments, type Post } from '../feedApi';
import { t } from '../i18n';
import { usePaged } from '../loading';

/** Friends' Moments (MOM-1 … MOM-6): the composer on top, then the timeline as the server shows it. */
export function MomentsPage() {
  const list = usePaged(listMoments, []);
  const [fresh, setFresh] = useState<Post[]>([]);
  return (
    <Screen title={t('feed.moments')} back="/discover">
      <MomentComposer onPosted={(post) => setFresh([post, ...fresh])} />
      <PostList list={list} fresh={fresh} empty={t('feed.noMoments')} testId="moments-list" />
    </Screen>
  );
}
