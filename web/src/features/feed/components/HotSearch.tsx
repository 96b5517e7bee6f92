import { t } from '../../../core/i18n';
import { useResource } from '../../../core/loading';
import { href } from '../../../core/router';
import { hotSearch } from '../api';
import { topicHref } from './RichText';

/** The hot-search board (PUB-4): the top 50 topics and terms, recomputed every minute by the server. */
export function HotSearchBoard() {
  const board = useResource(hotSearch, []);
  const items = board.data?.items ?? [];
  return (
    <section class="card hot-search" data-testid="hot-search">
      <h3>{t('feed.hotSearch')}</h3>
      {board.data && items.length === 0 && <p class="empty">{t('feed.hotSearchEmpty')}</p>}
      <ol class="hot-list">
        {items.slice(0, 50).map((item) => (
          <li key={`${item.kind}:${item.name}`} class="hot-row" data-testid="hot-search-row" data-kind={item.kind}>
            <span class={item.rank <= 3 ? 'hot-rank top' : 'hot-rank'}>{item.rank}</span>
            <a href={item.kind === 'topic' ? topicHref(item.name) : href(`/search/${encodeURIComponent(item.name)}`)}>
              {item.kind === 'topic' ? `#${item.name}#` : item.name}
            </a>
          </li>
        ))}
      </ol>
    </section>
  );
}
