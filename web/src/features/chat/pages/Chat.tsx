import type { JSX } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Flash } from '../../../core/components/Flash';
import { attempt, showError } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { connection } from '../../../core/realtime';
import { hasInAppHistory, navigate } from '../../../core/router';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import type { UserCard } from '../../../core/types';
import { hideMessage, type Message, type Quote } from '../api';
import {
  chatList,
  discard,
  findChat,
  loadMembers,
  loadOlder,
  markRead,
  openThread,
  recall,
  recalledTexts,
  recallWindowMs,
  resets,
  retry,
  thread,
} from '../chats';
import { Composer } from '../components/Composer';
import { MessageItem, PendingItem } from '../components/MessageItem';
import { chatTitle, preview, separatorTime } from '../components/format';
import { ChatIcon } from '../components/icons';

/** Messages more than five minutes apart get the time between them. */
const GAP_MS = 5 * 60_000;

/** One chat: the history (newest at the bottom, older on demand), live updates, and the composer. */
export function ChatPage({ id }: { id: string }) {
  useStore(chatList); // the chat object (title, read positions) lives in the list
  const state = useStore(thread(id));
  const me = useStore(currentUser);
  const reset = useStore(resets);
  const live = useStore(connection) === 'live';
  const recalled = useStore(recalledTexts);
  const chat = findChat(id);

  const [members, setMembers] = useState<Map<string, UserCard>>(new Map());
  const [selected, setSelected] = useState<string | null>(null);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [prefill, setPrefill] = useState<{ text: string; key: number } | null>(null);
  const [viewing, setViewing] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const list = useRef<HTMLDivElement>(null);
  const stick = useRef(true); // keep the newest message in view while the reader is at the bottom

  useEffect(() => {
    openThread(id).catch(showError);
  }, [id, reset]);

  // Who is who: the other person of a direct chat, or a group's members (reloaded after a notice).
  useEffect(() => {
    if (!chat) return;
    if (chat.kind === 'direct') {
      const map = new Map<string, UserCard>();
      if (chat.peer) map.set(chat.peer.id, chat.peer);
      if (me) map.set(me.id, me);
      setMembers(map);
      return;
    }
    if (chat.me.status !== 'active') return;
    loadMembers(id).then(
      (list) => setMembers((old) => new Map([...old, ...list.map((m) => [m.user.id, m.user] as const)])),
      () => undefined,
    );
  }, [id, chat?.kind, chat?.peer?.id, me?.id, state.membersVersion, chat?.me.status]);

  // The recall button disappears when the window closes; "typing…" goes away after a while.
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 5000);
    return () => window.clearInterval(timer);
  }, []);

  // Read everything shown, when the page is visible.
  const newest = state.messages.length ? state.messages[state.messages.length - 1].seq : 0;
  useEffect(() => {
    const read = () => {
      if (document.visibilityState === 'visible' && newest > 0) markRead(id, newest);
    };
    read();
    document.addEventListener('visibilitychange', read);
    return () => document.removeEventListener('visibilitychange', read);
  }, [id, newest, chat?.me.read_seq]);

  // Follow new messages at the bottom unless the reader scrolled up to read older ones.
  const count = state.messages.length + state.pending.length;
  useLayoutEffect(() => {
    const element = list.current;
    if (element && stick.current) element.scrollTop = element.scrollHeight;
  }, [count, state.loaded]);

  const onScroll = () => {
    const element = list.current;
    if (!element) return;
    stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
  };

  const older = async () => {
    const element = list.current;
    const before = element ? element.scrollHeight - element.scrollTop : 0;
    stick.current = false;
    await attempt(() => loadOlder(id));
    // Keep the message that was at the top where it was.
    requestAnimationFrame(() => {
      if (element) element.scrollTop = element.scrollHeight - before;
    });
  };

  const myId = me?.id ?? null;
  const nameOf = (userId: string | null) =>
    userId === myId ? t('chat.you') : (userId && members.get(userId)?.display_name) || '…';
  const quoteName = (quote: Quote) => nameOf(quote.sender_id);
  const title = chat ? chatTitle(chat) : '';
  const typing = state.typingUntil > now;

  const items = useMemo(() => {
    const rows: JSX.Element[] = [];
    let previous: Message | null = null;
    for (const message of state.messages) {
      if (!previous || Date.parse(message.created_at) - Date.parse(previous.created_at) > GAP_MS) {
        rows.push(
          <li key={`time-${message.id}`} class="msg-time">
            {separatorTime(message.created_at)}
          </li>,
        );
      }
      previous = message;
      const mine = message.sender_id !== null && message.sender_id === myId;
      const recallable =
        mine && !message.recalled && now - Date.parse(message.created_at) < recallWindowMs(message.kind) - 2000;
      const editable = recalled.get(message.id);
      rows.push(
        <MessageItem
          key={message.id}
          message={message}
          mine={mine}
          sender={message.sender_id ? (members.get(message.sender_id) ?? null) : null}
          showName={chat?.kind === 'group'}
          read={mine && chat?.kind === 'direct' ? (chat.peer_read_seq ?? 0) >= message.seq : null}
          quoteName={quoteName}
          selected={selected === message.id}
          onSelect={() => setSelected((s) => (s === message.id ? null : message.id))}
          onOpenImage={setViewing}
          onReEdit={
            editable && editable.until > now
              ? () => setPrefill({ text: editable.text, key: Date.now() })
              : null
          }
          actions={
            <>
              {chat?.me.status === 'active' && (
                <button
                  type="button"
                  class="small"
                  data-testid="reply"
                  onClick={() => {
                    setReplyTo(message);
                    setSelected(null);
                  }}
                >
                  {t('chat.reply')}
                </button>
              )}
              {message.kind === 'text' && navigator.clipboard && (
                <button
                  type="button"
                  class="small"
                  data-testid="copy"
                  onClick={() => {
                    void navigator.clipboard.writeText(String(message.content?.text ?? ''));
                    setSelected(null);
                  }}
                >
                  {t('chat.copy')}
                </button>
              )}
              {recallable && (
                <button
                  type="button"
                  class="small"
                  data-testid="recall"
                  onClick={async () => {
                    setSelected(null);
                    await attempt(() => recall(message));
                  }}
                >
                  {t('chat.recall')}
                </button>
              )}
              <button
                type="button"
                class="small danger"
                data-testid="delete-message"
                onClick={async () => {
                  setSelected(null);
                  await attempt(() => hideMessage(id, message.id));
                }}
              >
                {t('chat.deleteForMe')}
              </button>
            </>
          }
        />,
      );
    }
    return rows;
  }, [state.messages, members, selected, myId, chat, now, recalled]);

  const replyPreview = replyTo ? `${nameOf(replyTo.sender_id)}: ${preview(replyTo, null, myId)}` : '';

  const canSend = chat && chat.me.status === 'active' && !(chat.kind === 'group' && chat.mute_all && chat.me.role === 'member');

  return (
    <div class="chat-view" data-testid="chat-view" data-chat-id={id}>
      <header class="top-bar">
        <button
          type="button"
          class="back"
          aria-label={t('common.back')}
          onClick={() => (hasInAppHistory() ? window.history.back() : navigate('/chats'))}
        >
          ‹
        </button>
        <div class="chat-heading">
          <h1 data-testid="chat-title">
            {title}
            {chat?.kind === 'group' && chat.member_count ? ` (${chat.member_count})` : ''}
          </h1>
          {(typing || !live) && (
            <div class="chat-subtitle" data-testid={typing ? 'typing' : 'connection'}>
              {typing ? t('chat.typing') : t('chat.connecting')}
            </div>
          )}
        </div>
        {chat && (
          <span class="top-bar-actions">
            <button
              type="button"
              class="icon-button"
              data-testid={chat.kind === 'group' ? 'group-settings' : 'chat-settings'}
              aria-label={t('chat.settings')}
              onClick={() => navigate(`/chats/${id}/settings`)}
            >
              <ChatIcon name="more" />
            </button>
          </span>
        )}
      </header>
      <Flash />
      {chat?.kind === 'group' && chat.announcement && (
        <div class="chat-announcement" data-testid="chat-announcement">
          <ChatIcon name="megaphone" /> {chat.announcement}
        </div>
      )}
      <div class="messages" ref={list} onScroll={onScroll} data-testid="messages">
        {state.olderCursor && (
          <button type="button" class="link-button load-more" onClick={older}>
            {t('chat.loadOlder')}
          </button>
        )}
        {state.loaded && state.messages.length === 0 && state.pending.length === 0 && (
          <p class="empty">{t('chat.noMessages')}</p>
        )}
        <ul class="message-list">
          {items}
          {state.pending.map((item) => (
            <PendingItem
              key={item.clientId}
              item={item}
              me={me}
              onRetry={() => retry(item.clientId)}
              onDiscard={() => discard(item.clientId)}
            />
          ))}
        </ul>
      </div>
      {chat &&
        (canSend ? (
          <Composer
            chat={chat}
            replyTo={replyTo}
            replyPreview={replyPreview}
            onCancelReply={() => setReplyTo(null)}
            prefill={prefill}
            memberIds={[...members.keys()]}
            myId={myId ?? undefined}
          />
        ) : (
          <footer class="composer composer-closed" data-testid="composer-closed">
            {chat.me.status !== 'active' ? t('chat.notMember') : t('chat.mutedAll')}
          </footer>
        ))}
      {viewing && (
        <div class="image-viewer" data-testid="image-viewer" role="dialog" onClick={() => setViewing(null)}>
          <img src={viewing} alt="" />
        </div>
      )}
    </div>
  );
}
