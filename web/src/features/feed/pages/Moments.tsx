import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { t } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { listMoments, type Post } from '../api';
import { MomentComposer } from '../components/Composer';
import { PostList } from '../components/PostList';

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
