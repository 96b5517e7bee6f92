/** How chat things read: times in the list and between messages, durations, one-line previews. */
import { lang, t, type MessageKey } from '../../../core/i18n';
import { formatFen } from '../../../core/money';
import type { Chat, Message } from '../api';

const locale = () => (lang.get() === 'zh' ? 'zh-CN' : 'en');

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

function dayDifference(date: Date, now: Date): number {
  return Math.round((startOfDay(now) - startOfDay(date)) / 86_400_000);
}

const clock = (date: Date) => date.toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit' });

/** For the chat list: the time today, "Yesterday", the weekday this week, else the date. */
export function listTime(iso: string, now = new Date()): string {
  const date = new Date(iso);
  const days = dayDifference(date, now);
  if (days <= 0) return clock(date);
  if (days === 1) return t('chat.yesterday');
  if (days < 7) return date.toLocaleDateString(locale(), { weekday: 'short' });
  if (date.getFullYear() === now.getFullYear()) return date.toLocaleDateString(locale(), { month: 'numeric', day: 'numeric' });
  return date.toLocaleDateString(locale(), { year: 'numeric', month: 'numeric', day: 'numeric' });
}

/** Between messages: like the list, with the time of day added. */
export function separatorTime(iso: string, now = new Date()): string {
  const date = new Date(iso);
  const days = dayDifference(date, now);
  if (days <= 0) return clock(date);
  return `${listTime(iso, now)} ${clock(date)}`;
}

/** 3 s → `0:03`. */
export function duration(ms: number | null | undefined): string {
  const seconds = Math.max(1, Math.round((ms ?? 0) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/**
 * A system notice in the reader's language, written from its `event` and parameters (the server's
 * `text` is English, kept for events this client does not know). The people it names come with their
 * display names in `content.names`: an agent or a former member is not a card the client holds.
 */
export function noticeText(message: Message): string {
  const content = message.content ?? {};
  const fallback = str(content.text);
  const names = (content.names ?? null) as Record<string, string> | null;
  if (!names || typeof names !== 'object') return fallback;
  const name = (id: unknown) => (typeof id === 'string' && names[id]) || t('chat.notice.someone');
  const ids = Array.isArray(content.user_ids) ? (content.user_ids as unknown[]) : [];
  const listed = ids.slice(0, 10).map(name).join(t('chat.notice.list'));
  const users = ids.length > 10 ? t('chat.notice.more', { names: listed, count: ids.length - 10 }) : listed;
  const by = name(content.by);
  const line = (key: MessageKey, params: Record<string, string> = {}) => t(key, { by, users, ...params });
  switch (str(content.event)) {
    case 'created':
      return line('chat.notice.created');
    case 'renamed':
      return line('chat.notice.renamed', { title: str(content.title) });
    case 'announcement':
      return line(content.announcement ? 'chat.notice.announcementUpdated' : 'chat.notice.announcementCleared');
    case 'mute_all':
      return line(content.mute_all ? 'chat.notice.mutedAll' : 'chat.notice.unmutedAll');
    case 'joined':
      return line('chat.notice.joined');
    case 'removed':
      return line('chat.notice.removed');
    case 'left':
      return line('chat.notice.left');
    case 'role':
      if (content.role === 'owner') return line('chat.notice.newOwner');
      return line(content.role === 'admin' ? 'chat.notice.madeAdmin' : 'chat.notice.removedAdmin');
    case 'service_claimed':
      return line('chat.notice.serviceClaimed', { agent: name(content.agent_id) });
    case 'service_transferred':
      return line('chat.notice.serviceTransferred', { to: name(content.to_id) });
    case 'transfer_accepted':
    case 'transfer_declined':
    case 'transfer_expired': {
      const params = { sender: name(content.sender_id), receiver: name(content.receiver_id), amount: formatFen(num(content.amount) ?? 0) };
      if (content.event === 'transfer_accepted') return line('chat.notice.transferAccepted', params);
      return line(content.event === 'transfer_declined' ? 'chat.notice.transferDeclined' : 'chat.notice.transferExpired', params);
    }
    case 'red_packet_grabbed': {
      const params = { grabber: name(content.user_id), sender: name(content.sender_id) };
      return line(content.user_id === content.sender_id ? 'chat.notice.redPacketGrabbedOwn' : 'chat.notice.redPacketGrabbed', params);
    }
    case 'red_packet_expired':
      return line('chat.notice.redPacketExpired', { sender: name(content.sender_id) });
    default:
      return fallback;
  }
}

/** One line for a message: the chat list's last message, a reply's quote. */
export function preview(message: Message, senderName: string | null, myId: string | null): string {
  if (message.recalled) {
    return message.sender_id === myId ? t('chat.youRecalled') : t('chat.recalledBy', { name: senderName ?? '' });
  }
  const content = message.content ?? {};
  switch (message.kind) {
    case 'text':
      return str(content.text);
    case 'system':
      return noticeText(message);
    case 'transfer':
      return t('chat.kind.transfer');
    case 'red_packet':
      return `${t('chat.kind.redPacket')} ${str(content.greeting) || t('wallet.greetingDefault')}`;
    case 'voice':
      return `${t('chat.kind.voice')} ${duration(num(content.duration_ms))}`;
    case 'image':
      return t('chat.kind.image');
    case 'video':
      return t('chat.kind.video');
    case 'file':
      return `${t('chat.kind.file')} ${str(content.filename)}`;
    case 'location':
      return `${t('chat.kind.location')} ${str(content.name) || str(content.address)}`;
    case 'product':
      return `[${t('shop.card.product')}] ${str((content.product as Record<string, unknown> | undefined)?.title) || str(content.title)}`.trim();
    case 'group_team':
      return `${t('groupbuy.kind.team')} ${str(content.title)}`.trim();
    case 'bargain':
      return `${t('groupbuy.kind.bargain')} ${str(content.title)}`.trim();
    default:
      return t('chat.kind.unsupported');
  }
}

/** The English labels the server starts its one-line previews with (`[Transfer] ¥52.00`), per kind. */
const SERVER_LABEL = /^\[(Location|Transfer|Red packet|Product|Group buy|Help me cut|Voice|File|Notice)\]\s*/;

/** The quote's text for a kind the server previews as `[kind] …`: the label in the reader's language. */
export function quotePreview(kind: string, text: string, recalled: boolean): string {
  if (recalled) return t('chat.quoteRecalled');
  const rest = text.replace(SERVER_LABEL, '');
  switch (kind) {
    case 'text':
      return text;
    case 'voice':
      return t('chat.kind.voice');
    case 'image':
      return t('chat.kind.image');
    case 'video':
      return t('chat.kind.video');
    case 'file':
      return `${t('chat.kind.file')} ${rest}`.trim();
    case 'location':
      return `${t('chat.kind.location')} ${rest}`.trim();
    case 'transfer':
      return t('chat.kind.transfer');
    case 'red_packet':
      return `${t('chat.kind.redPacket')} ${rest === 'Best wishes' ? t('wallet.greetingDefault') : rest}`.trim();
    case 'product':
      return `[${t('shop.card.product')}] ${rest}`.trim();
    case 'group_team':
      return `${t('groupbuy.kind.team')} ${rest}`.trim();
    case 'bargain':
      return `${t('groupbuy.kind.bargain')} ${rest}`.trim();
    default:
      return text;
  }
}

/**
 * A chat's title: the group's name, the other person's name, or "Group chat (N)". A customer-service
 * chat is titled like a direct one, by its other side (the shop for the customer, the customer for staff).
 */
export function chatTitle(chat: Chat): string {
  if (chat.kind === 'direct' || chat.kind === 'service') return chat.peer?.display_name ?? '…';
  return chat.title || t('chat.untitledGroup', { count: chat.member_count ?? 0 });
}
