import { useState } from 'preact/hooks';
import { PostList } from '../components/feed/PostList';
import { Screen } from '../components/Screen';
import { searchPosts } from '../feedApi';
import { t } from '../i18n';
import { usePaged } from '../loading';
import { navigate } from '../router';

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
