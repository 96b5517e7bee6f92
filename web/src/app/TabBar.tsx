import { Icon, type IconName } from '../core/components/icons';
import type { Tab } from '../core/feature';
import { t, type MessageKey } from '../core/i18n';
import { navigate } from '../core/router';
import { NotificationsBadge } from '../features/feed/components/NotificationsBadge';

const tabs = ['chats', 'contacts', 'discover', 'shop', 'wallet', 'me'] as const satisfies readonly (Tab & IconName)[];

const labels: Record<Tab, MessageKey> = {
  chats: 'tab.chats',
  contacts: 'tab.contacts',
  discover: 'tab.discover',
  shop: 'tab.shop',
  wallet: 'tab.wallet',
  me: 'tab.me',
};

/** The bottom tab bar; `active` is the tab the current page belongs to, if any. */
export function TabBar({ active }: { active: Tab | null }) {
  return (
    <nav class="tab-bar">
      {tabs.map((tab) => (
        <button
          type="button"
          key={tab}
          data-testid={`tab-${tab}`}
          class={tab === active ? 'tab active' : 'tab'}
          aria-current={tab === active ? 'page' : undefined}
          onClick={() => navigate(`/${tab}`)}
        >
          <Icon name={tab} />
          <span>{t(labels[tab])}</span>
          {tab === 'discover' && <NotificationsBadge />}
        </button>
      ))}
    </nav>
  );
}
