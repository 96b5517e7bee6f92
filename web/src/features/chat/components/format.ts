/** How chat things read: times in the list and between messages, durations, one-line previews. */
import { lang, t } from '../../../core/i18n';
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
      return str(content.text);
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

/** The quote's text for a kind the server previews as `[kind]`. */
export function quotePreview(kind: string, text: string, recalled: boolean): string {
  if (recalled) return t('chat.quoteRecalled');
  if (kind === 'text') return text;
  if (kind === 'voice') return t('chat.kind.voice');
  if (kind === 'image') return t('chat.kind.image');
  if (kind === 'video') return t('chat.kind.video');
  if (kind === 'file') return t('chat.kind.file');
  if (kind === 'location') return `${t('chat.kind.location')} ${text.replace(/^\[Location\]\s*/, '')}`;
  return text;
}

/**
 * A chat's title: the group's name, the other person's name, or "Group chat (N)". A customer-service
 * chat is titled like a direct one, by its other side (the shop for the customer, the customer for staff).
 */
export function chatTitle(chat: Chat): string {
  if (chat.kind === 'direct' || chat.kind === 'service') return chat.peer?.display_name ?? '…';
  return chat.title || t('chat.untitledGroup', { count: chat.member_count ?? 0 });
}
