/**
 * The client's chat state: the chat list, each open chat's messages, and the outbox of messages being
 * sent. It is loaded over HTTP once the realtime stream's starting point is fixed and then kept up to
 * date by applying sync-log entries (docs/realtime.md); applying is idempotent (insert by id, set
 * rather than add), so an entry that comes twice changes nothing.
 */
import { ApiError } from '../../core/http';
import { errorText } from '../../core/i18n';
import * as realtime from '../../core/realtime';
import { currentUser } from '../../core/session';
import { Store } from '../../core/store';
import type { Id } from '../../core/types';
import {
  getChat,
  listChats,
  listInvitations,
  listMembers,
  listMessages,
  markRead as postRead,
  recallMessage,
  sendMessage as postMessage,
  uploadMedia,
  type Chat,
  type Invitation,
  type MediaKind,
  type Member,
  type Message,
  type MessageBody,
  type Quote,
  type SyncEntry,
} from './api';

// --- the chat list ---------------------------------------------------------------------------------

export interface ChatList {
  /** Pinned first, then by latest activity, as the server orders them. */
  chats: Chat[];
  loaded: boolean;
  nextCursor: string | null;
}

export const chatList = new Store<ChatList>({ chats: [], loaded: false, nextCursor: null });
export const invitations = new Store<Invitation[]>([]);

const myId = (): Id | null => currentUser.get()?.id ?? null;

let loading: Promise<void> | null = null;
let subscribed = false;

/** Starts following the stream (once) and loads the list if it is not loaded yet. */
export function ensureChats(): Promise<void> {
  if (!subscribed) {
    subscribed = true;
    realtime.onEntry((entry) => applyEntry(entry as SyncEntry));
    realtime.onReset(reset);
    realtime.onFrame('typing', (frame) => {
      if (typeof frame.chat_id === 'string') setTyping(frame.chat_id, Date.now() + TYPING_SHOWN_MS);
    });
  }
  if (chatList.get().loaded) return Promise.resolve();
  if (!loading) {
    loading = realtime
      .ready()
      .then(async () => {
        const [page, invites] = await Promise.all([listChats(null), listInvitations(null)]);
        chatList.set({ chats: page.items, loaded: true, nextCursor: page.next_cursor });
        invitations.set(invites.items);
      })
      .finally(() => (loading = null));
  }
  return loading;
}

export async function loadMoreChats(): Promise<void> {
  const { nextCursor } = chatList.get();
  if (!nextCursor) return;
  const page = await listChats(nextCursor);
  const known = new Set(chatList.get().chats.map((c) => c.id));
  const state = chatList.get();
  chatList.set({
    ...state,
    chats: [...state.chats, ...page.items.filter((c) => !known.has(c.id))],
    nextCursor: page.next_cursor,
  });
}

export async function reloadInvitations(): Promise<void> {
  invitations.set((await listInvitations(null)).items);
}

function reset(): void {
  chatList.set({ chats: [], loaded: false, nextCursor: null });
  invitations.set([]);
  threads.clear();
  outbox.clear();
  // A page still open reloads what it shows.
  resets.set(resets.get() + 1);
}

/** Bumped when all local chat state was dropped; open chat pages load again. */
export const resets = new Store<number>(0);

export function findChat(id: Id): Chat | undefined {
  return chatList.get().chats.find((c) => c.id === id) ?? extraChats.get(id);
}

/** Chats shown but not in the list (one the user left, opened by link). */
const extraChats = new Map<Id, Chat>();

/** Puts the server's copy of a chat in place (or first, when new), keeping the list's order rule. */
export function putChat(chat: Chat, bump = false): void {
  const state = chatList.get();
  const others = state.chats.filter((c) => c.id !== chat.id);
  const existing = state.chats.find((c) => c.id === chat.id);
  if (chat.me.status === 'left') {
    // A group one left is gone from the list.
    extraChats.set(chat.id, chat);
    if (existing) chatList.set({ ...state, chats: others });
    notifyThread(chat.id);
    return;
  }
  let chats: Chat[];
  if (existing && !bump && existing.me.pinned === chat.me.pinned) {
    chats = state.chats.map((c) => (c.id === chat.id ? chat : c));
  } else {
    // Pinned chats come first; a chat with new activity goes to the top of its part.
    const at = chat.me.pinned ? 0 : others.filter((c) => c.me.pinned).length;
    chats = [...others.slice(0, at), chat, ...others.slice(at)];
  }
  extraChats.delete(chat.id);
  chatList.set({ ...state, chats });
  notifyThread(chat.id);
}

function updateChat(id: Id, change: (chat: Chat) => Chat, bump = false): boolean {
  const chat = findChat(id);
  if (!chat) return false;
  putChat(change(chat), bump);
  return true;
}

const refreshing = new Set<Id>();

/** Fetches the server's copy of a chat (after a change the entry does not carry). */
export function refreshChat(id: Id): void {
  if (refreshing.has(id)) return;
  refreshing.add(id);
  getChat(id)
    .then((chat) => putChat(chat), () => undefined)
    .finally(() => refreshing.delete(id));
}

// --- applying the log ---------------------------------------------------------------------------------

function applyEntry(entry: SyncEntry): void {
  switch (entry.kind) {
    case 'message':
      if (entry.message) applyMessage(entry.message);
      return;
    case 'recall':
      if (entry.message_id) applyRecall(entry.chat_id, entry.message_id);
      return;
    case 'hide':
      if (entry.message_id) applyHide(entry.chat_id, entry.message_id);
      return;
    case 'read':
      if (entry.user_id && entry.read_seq !== null) applyRead(entry.chat_id, entry.user_id, entry.read_seq);
      return;
    case 'chat':
      if (entry.chat) putChat(entry.chat);
      return;
    case 'invite':
      void reloadInvitations().catch(() => undefined);
      return;
    default:
      return; // a kind of a later feature: not ours
  }
}

function applyMessage(message: Message): void {
  const me = myId();
  const mine = message.sender_id !== null && message.sender_id === me;
  const chat = findChat(message.chat_id);
  if (!chat) {
    refreshChat(message.chat_id);
  } else if (message.seq > chat.last_seq || (message.seq === chat.last_seq && chat.last_message?.id !== message.id)) {
    // New to the list (an entry seen before, or one the snapshot already had, changes nothing).
    const counts = !mine && message.sender_id !== null && message.seq > chat.me.read_seq;
    const mentionsMe = counts && (message.mention_all || (me !== null && message.mentions.includes(me)));
    putChat(
      {
        ...chat,
        last_seq: Math.max(chat.last_seq, message.seq),
        last_message: message,
        me: {
          ...chat.me,
          read_seq: mine ? Math.max(chat.me.read_seq, message.seq) : chat.me.read_seq,
          unread_count: mine ? 0 : chat.me.unread_count + (counts ? 1 : 0),
          mentioned: !mine && (chat.me.mentioned || mentionsMe),
        },
      },
      true,
    );
  }
  // A notice about the group (renamed, members, roles …): its title, announcement or roles changed.
  if (message.kind === 'system') {
    refreshChat(message.chat_id);
    bumpMembers(message.chat_id);
  }
  updateThread(message.chat_id, (thread) => {
    const pending = thread.pending.filter((p) => !(mine && p.clientId === message.client_msg_id));
    // The other person's message ends their "typing…".
    const typingUntil = mine ? thread.typingUntil : 0;
    return { ...thread, messages: upsert(thread.messages, message), pending, typingUntil };
  });
}

function recalledQuote(quote: Quote | null, id: Id): Quote | null {
  return quote && quote.id === id ? { ...quote, recalled: true } : quote;
}

function applyRecall(chatId: Id, messageId: Id): void {
  const recall = (m: Message): Message =>
    m.id === messageId ? { ...m, recalled: true, content: null } : { ...m, reply_to: recalledQuote(m.reply_to, messageId) };
  updateChat(chatId, (chat) =>
    chat.last_message?.id === messageId ? { ...chat, last_message: recall(chat.last_message) } : chat,
  );
  updateThread(chatId, (thread) => ({ ...thread, messages: thread.messages.map(recall) }));
}

function applyHide(chatId: Id, messageId: Id): void {
  const chat = findChat(chatId);
  if (chat?.last_message?.id === messageId) refreshChat(chatId);
  updateThread(chatId, (thread) => ({ ...thread, messages: thread.messages.filter((m) => m.id !== messageId) }));
}

function applyRead(chatId: Id, userId: Id, readSeq: number): void {
  if (userId === myId()) {
    const chat = findChat(chatId);
    if (!chat || readSeq <= chat.me.read_seq) return;
    if (readSeq >= chat.last_seq) {
      updateChat(chatId, (c) => ({ ...c, me: { ...c.me, read_seq: readSeq, unread_count: 0, mentioned: false } }));
    } else {
      refreshChat(chatId);
    }
    return;
  }
  // The other person of a direct chat has read up to here: a read receipt.
  updateChat(chatId, (c) => ({ ...c, peer_read_seq: Math.max(c.peer_read_seq ?? 0, readSeq) }));
}

function upsert(messages: Message[], message: Message): Message[] {
  const at = messages.findIndex((m) => m.id === message.id);
  if (at >= 0) {
    const copy = messages.slice();
    copy[at] = message;
    return copy;
  }
  const copy = [...messages, message];
  copy.sort((a, b) => a.seq - b.seq);
  return copy;
}

// --- one chat's messages --------------------------------------------------------------------------------

/** A message this client is sending: shown at once, replaced by the real one when it arrives. */
export interface Pending {
  clientId: string;
  chatId: Id;
  kind: string;
  /** What to show meanwhile: the text, or a local URL of the recording or picture. */
  preview: { text?: string; url?: string; durationMs?: number };
  body: MessageBody;
  /** For media: what to upload first (kept, so a retry does not upload twice once it succeeded). */
  upload?: { kind: MediaKind; file: Blob; filename: string; mediaId?: string };
  replyTo: Quote | null;
  state: 'sending' | 'failed';
  error?: string;
  createdAt: string;
}

export interface Thread {
  /** Ascending by seq. */
  messages: Message[];
  pending: Pending[];
  loaded: boolean;
  olderCursor: string | null;
  /** Bumped when the member list may have changed (a system notice). */
  membersVersion: number;
  /** Until when to show "typing…" (ms since the epoch). */
  typingUntil: number;
}

const emptyThread = (): Thread => ({
  messages: [],
  pending: [],
  loaded: false,
  olderCursor: null,
  membersVersion: 0,
  typingUntil: 0,
});

const threads = new Map<Id, Store<Thread>>();
const outbox = new Map<string, Pending>();
const TYPING_SHOWN_MS = 5000;

export function thread(chatId: Id): Store<Thread> {
  let store = threads.get(chatId);
  if (!store) threads.set(chatId, (store = new Store<Thread>(emptyThread())));
  return store;
}

function updateThread(chatId: Id, change: (thread: Thread) => Thread): void {
  const store = threads.get(chatId);
  if (store) store.set(change(store.get()));
}

/** Re-renders a chat page when its chat object changed (it reads it with `findChat`). */
function notifyThread(chatId: Id): void {
  updateThread(chatId, (t) => ({ ...t }));
}

function bumpMembers(chatId: Id): void {
  updateThread(chatId, (t) => ({ ...t, membersVersion: t.membersVersion + 1 }));
}

function setTyping(chatId: Id, until: number): void {
  updateThread(chatId, (t) => ({ ...t, typingUntil: until }));
}

/** Loads the chat (when not in the list) and its latest messages. */
export async function openThread(chatId: Id): Promise<void> {
  await ensureChats();
  if (!findChat(chatId)) {
    const chat = await getChat(chatId);
    putChat(chat);
  }
  const page = await listMessages(chatId, null);
  const store = thread(chatId);
  let messages = store.get().messages;
  for (const m of page.items) messages = upsert(messages, m);
  store.set({ ...store.get(), messages, loaded: true, olderCursor: page.next_cursor });
}

export async function loadOlder(chatId: Id): Promise<void> {
  const store = thread(chatId);
  const cursor = store.get().olderCursor;
  if (!cursor) return;
  const page = await listMessages(chatId, cursor);
  let messages = store.get().messages;
  for (const m of page.items) messages = upsert(messages, m);
  store.set({ ...store.get(), messages, olderCursor: page.next_cursor });
}

const membersCache = new Map<Id, { version: number; members: Member[] }>();

/** Every current member of a group (a group has at most 500: five pages). */
export async function loadMembers(chatId: Id): Promise<Member[]> {
  const version = thread(chatId).get().membersVersion;
  const cached = membersCache.get(chatId);
  if (cached && cached.version === version) return cached.members;
  const members: Member[] = [];
  let cursor: string | null = null;
  do {
    const page = await listMembers(chatId, cursor);
    members.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  membersCache.set(chatId, { version, members });
  return members;
}

export function invalidateMembers(chatId: Id): void {
  bumpMembers(chatId);
}

const readSent = new Map<Id, number>();

/** Marks the chat read up to `seq` (once per position), over the socket when it is live. */
export function markRead(chatId: Id, seq: number): void {
  const chat = findChat(chatId);
  if (!chat || seq <= Math.max(chat.me.read_seq, readSent.get(chatId) ?? 0)) return;
  readSent.set(chatId, seq);
  const done = realtime.isLive()
    ? realtime.request({ type: 'read', chat_id: chatId, seq })
    : postRead(chatId, seq).then((c) => putChat(c));
  done.catch(() => readSent.delete(chatId));
  // Show it at once; the `read` entry confirms it.
  if (seq >= chat.last_seq) {
    updateChat(chatId, (c) => ({ ...c, me: { ...c.me, read_seq: Math.max(c.me.read_seq, seq), unread_count: 0, mentioned: false } }));
  }
}

let lastTyping = 0;

/** Tells the other person of a direct chat that we are typing (at most every 3 s). */
export function sendTyping(chatId: Id): void {
  const now = Date.now();
  if (now - lastTyping < 3000) return;
  lastTyping = now;
  realtime.send({ type: 'typing', chat_id: chatId });
}

// --- sending ----------------------------------------------------------------------------------------------

function newClientId(): string {
  const random =
    typeof crypto !== 'undefined' && 'randomUUID' in crypto
      ? crypto.randomUUID()
      : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return `web-${random}`;
}

function quoteOf(message: Message | null): Quote | null {
  if (!message) return null;
  return { id: message.id, sender_id: message.sender_id, kind: message.kind, preview: previewText(message), recalled: message.recalled };
}

/** Plain text for a list row or a quote; the UI translates the bracketed kinds. */
function previewText(message: Message): string {
  const text = message.content?.text;
  return typeof text === 'string' ? text : `[${message.kind}]`;
}

export interface Draft {
  kind: string;
  content?: Record<string, unknown>;
  upload?: Pending['upload'];
  preview: Pending['preview'];
  replyTo?: Message | null;
}

/** Queues a message: it shows as "sending" at once and is delivered, retried if need be, with one client id. */
export function send(chatId: Id, draft: Draft): void {
  const clientId = newClientId();
  const item: Pending = {
    clientId,
    chatId,
    kind: draft.kind,
    preview: draft.preview,
    body: {
      kind: draft.kind,
      content: draft.content,
      client_msg_id: clientId,
      ...(draft.replyTo ? { reply_to_id: draft.replyTo.id } : {}),
    },
    upload: draft.upload,
    replyTo: quoteOf(draft.replyTo ?? null),
    state: 'sending',
    createdAt: new Date().toISOString(),
  };
  outbox.set(clientId, item);
  updateThread(chatId, (t) => ({ ...t, pending: [...t.pending, item] }));
  void deliver(item);
}

/** Tries a failed message again, with the same client id (the server never makes it twice). */
export function retry(clientId: string): void {
  const item = outbox.get(clientId);
  if (!item || item.state !== 'failed') return;
  setPending({ ...item, state: 'sending', error: undefined });
  void deliver(outbox.get(clientId)!);
}

/** Drops a failed message that was never sent. */
export function discard(clientId: string): void {
  const item = outbox.get(clientId);
  if (!item) return;
  outbox.delete(clientId);
  if (item.preview.url) URL.revokeObjectURL(item.preview.url);
  updateThread(item.chatId, (t) => ({ ...t, pending: t.pending.filter((p) => p.clientId !== clientId) }));
}

function setPending(item: Pending): void {
  if (!outbox.has(item.clientId)) return;
  outbox.set(item.clientId, item);
  updateThread(item.chatId, (t) => ({ ...t, pending: t.pending.map((p) => (p.clientId === item.clientId ? item : p)) }));
}

const sleep = (ms: number) => new Promise<void>((resolve) => window.setTimeout(resolve, ms));

async function deliver(first: Pending): Promise<void> {
  let delay = 1000;
  for (;;) {
    const item = outbox.get(first.clientId);
    if (!item) return; // discarded, or settled by the stream
    try {
      let body = item.body;
      if (item.upload && !item.upload.mediaId) {
        const media = await uploadMedia(item.chatId, item.upload.kind, item.upload.file, item.upload.filename);
        const uploaded: Pending = { ...item, upload: { ...item.upload, mediaId: media.id } };
        setPending(uploaded);
        body = { ...body, content: { media_id: media.id } };
      } else if (item.upload?.mediaId) {
        body = { ...body, content: { media_id: item.upload.mediaId } };
      }
      const message = realtime.isLive()
        ? ((await realtime.request({ type: 'send', chat_id: item.chatId, message: body })).message as Message)
        : await postMessage(item.chatId, body);
      settled(item, message);
      return;
    } catch (error) {
      const retryable = error instanceof ApiError && error.code === 'network_error';
      if (!retryable) {
        const text = error instanceof ApiError ? errorText(error) : String(error);
        setPending({ ...(outbox.get(item.clientId) ?? item), state: 'failed', error: text });
        return;
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 15_000);
    }
  }
}

function settled(item: Pending, message: Message): void {
  outbox.delete(item.clientId);
  if (item.preview.url) URL.revokeObjectURL(item.preview.url);
  updateThread(item.chatId, (t) => ({
    ...t,
    messages: upsert(t.messages, message),
    pending: t.pending.filter((p) => p.clientId !== item.clientId),
  }));
  applyMessage(message);
}

// --- recall ------------------------------------------------------------------------------------------------

/** Texts one recalled, for "re-edit" (the server keeps them editable for a few minutes). */
export const recalledTexts = new Store<Map<Id, { text: string; until: number }>>(new Map());

export async function recall(message: Message): Promise<void> {
  const result = await recallMessage(message.chat_id, message.id);
  applyRecall(message.chat_id, message.id);
  if (result.editable_text) {
    const next = new Map(recalledTexts.get());
    const until = result.editable_until ? Date.parse(result.editable_until) : Date.now() + 5 * 60_000;
    next.set(message.id, { text: result.editable_text, until });
    recalledTexts.set(next);
  }
}

/** How long after sending its sender may recall a message (CHT-4): files 3 hours, others 2 minutes. */
export function recallWindowMs(kind: string): number {
  return kind === 'file' ? 3 * 3600_000 : 2 * 60_000;
}
