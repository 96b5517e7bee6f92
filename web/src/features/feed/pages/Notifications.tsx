import { useEffect } from 'preact/hooks';
import { Avatar } from '../../../core/components/Avatar';
import { Screen } from '../../../core/components/Screen';
import { formatTime, t, type MessageKey } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { href } from '../../../core/router';
import { TakedownNotice } from '../../moderation/components/TakedownNotice';
import { listNotifications, markNotificationsRead, type Notification } from '../api';
import { refreshUnread, useUnread } from '../notifications';

/** The inbox (NTF-1). Opening it marks everything up to the newest shown as read. */
export function NotificationsPage() {
  const list = usePaged(listNotifications, []);
  const unread = useUnread();
  const newest = list.items[0]?.id ?? null;
  useEffect(() => {
    if (newest === null) return;
    markNotificationsRead(newest).then(refreshUnread, () => {});
  }, [newest]);

  return (
    <Screen title={t('feed.notifications')} back="/discover">
      {unread && unread.friend_requests > 0 && (
        <a class="card menu-item" href={href('/contacts')} data-testid="friend-requests-link">
          {t('feed.friendRequests', { count: unread.friend_requests })}
        </a>
      )}
      <div class="list-block">
        <ul class="list" data-testid="notifications-list">
          {list.items.map((item) => (
            <NotificationRow key={item.id} item={item} />
          ))}
        </ul>
        {list.items.length === 0 && !list.loading && <p class="empty">{t('feed.noNotifications')}</p>}
        {list.hasMore && (
          <button type="button" class="link-button load-more" disabled={list.loading} onClick={list.loadMore}>
            {t('common.loadMore')}
          </button>
        )}
      </div>
    </Screen>
  );
}

function NotificationRow({ item }: { item: Notification }) {
  const who = item.actor?.display_name ?? t('feed.someone');
  const content = (
    <>
      {item.actor && <Avatar user={item.actor} />}
      <span class="row-text">
        <span class="row-title">{t(`feed.ntf.${item.kind}` as MessageKey, { name: who })}</span>
        {item.kind === 'taken_down' ? (
          <TakedownNotice excerpt={item.excerpt} />
        ) : (
          item.excerpt && <span class="row-subtitle">{item.excerpt}</span>
        )}
        <span class="row-detail">{formatTime(item.created_at)}</span>
      </span>
    </>
  );
  return (
    <li
      class={item.read ? 'row' : 'row unread'}
      data-testid="notification-row"
      data-kind={item.kind}
      data-read={String(item.read)}
    >
      {item.post_id ? (
        <a class="row-main" href={href(`/posts/${item.post_id}`)}>
          {content}
        </a>
      ) : (
        <span class="row-main">{content}</span>
      )}
    </li>
  );
}
