import { useUnread } from '../notifications';

/** The unread count of the notifications inbox; nothing while it is zero. Live (see ../notifications.ts). */
export function NotificationsBadge() {
  const unread = useUnread();
  const count = unread?.notifications ?? 0;
  if (count <= 0) return null;
  return (
    <span class="count-badge" data-testid="notifications-badge">
      {count > 99 ? '99+' : count}
    </span>
  );
}
