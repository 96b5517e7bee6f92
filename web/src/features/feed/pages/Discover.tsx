import { Screen } from '../../../core/components/Screen';
import { t } from '../../../core/i18n';
import { href } from '../../../core/router';
import { UserSearch } from '../../graph/components/UserSearch';
import { HotSearchBoard } from '../components/HotSearch';
import { NotificationsBadge } from '../components/NotificationsBadge';

/** As in WeChat, Moments is entered from Discover; people search sits on top. */
export function DiscoverPage() {
  return (
    <Screen title={t('tab.discover')}>
      <UserSearch />
      <nav class="card menu">
        <a class="menu-item" href={href('/moments')} data-testid="goto-moments">
          {t('moments.title')}
          <span class="chevron" aria-hidden="true">
            ›
          </span>
        </a>
        <a class="menu-item" href={href('/feed')} data-testid="goto-feed">
          {t('feed.home')}
          <span class="chevron" aria-hidden="true">
            ›
          </span>
        </a>
        <a class="menu-item" href={href('/notifications')} data-testid="goto-notifications">
          <span>
            {t('feed.notifications')} <NotificationsBadge />
          </span>
          <span class="chevron" aria-hidden="true">
            ›
          </span>
        </a>
      </nav>
      <HotSearchBoard />
    </Screen>
  );
}
