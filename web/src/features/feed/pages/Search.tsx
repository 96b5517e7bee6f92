import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { t } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { navigate } from '../../../core/router';
import { searchPosts } from '../api';
import { PostList } from '../components/PostList';

/** Posts matching every word of the query (jieba terms on the server). */
export function SearchPage({ q }: { q: string }) {
  const [text, setText] = useState(q);
  const list = usePaged((cursor) => searchPosts(q, cursor), [q]);
  return (
    <Screen title={t('feed.searchPosts')} back="/discover">
      <form
        class="search-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) navigate(`/search/${encodeURIComponent(text.trim())}`);
        }}
      >
        <input
          data-testid="post-search-input"
          value={text}
          maxLength={100}
          placeholder={t('feed.searchPlaceholder')}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button type="submit">{t('search.submit')}</button>
      </form>
      <PostList list={list} empty={t('feed.noPosts')} testId="search-posts" />
    </Screen>
  );
}
