import { useState } from 'preact/hooks';
import { PagedList } from '../../../core/components/PagedList';
import { UserRow } from '../../../core/components/UserRow';
import { t } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { searchUsers } from '../api';

/** Finds people by username prefix or exact phone number; each result links to the person's page. */
export function UserSearch() {
  const [text, setText] = useState('');
  // Each submit gets a new number so that searching the same text again fetches fresh results.
  const [search, setSearch] = useState<{ query: string; number: number } | null>(null);
  return (
    <section class="search">
      <form
        class="search-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch({ query: text.trim(), number: (search?.number ?? 0) + 1 });
        }}
      >
        <input
          type="search"
          data-testid="search-input"
          placeholder={t('search.placeholder')}
          aria-label={t('search.placeholder')}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button type="submit" data-testid="search-submit" disabled={!text.trim()}>
          {t('search.submit')}
        </button>
      </form>
      {search && <SearchResults key={search.number} query={search.query} />}
    </section>
  );
}

function SearchResults({ query }: { query: string }) {
  const results = usePaged((cursor) => searchUsers(query, cursor), [query]);
  return (
    <PagedList list={results} testId="search-results" empty={t('search.none')}>
      {(user) => <UserRow key={user.id} user={user} testId="search-result" />}
    </PagedList>
  );
}
