import { useEffect } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { attempt, showError } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { connection } from '../../../core/realtime';
import { href, navigate } from '../../../core/router';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import { answerInvitation, type Chat } from '../api';
import { chatList, ensureChats, invitations, loadMoreChats, reloadInvitations } from '../chats';
import { ChatAvatar } from '../components/ChatAvatar';
import { chatTitle, listTime, preview } from '../components/format';
import { ChatIcon } from '../components/icons';

/** The Chats tab: every chat with its last message and unread count, kept live by the stream. */
export function ChatsPage() {
  const state = useStore(chatList);
  const invites = useStore(invitations);
  const live = useStore(connection) === 'live';

  useEffect(() => {
    ensureChats().catch(showError);
  }, []);

  const answer = async (id: string, accept: boolean) => {
    if (await attempt(() => answerInvitation(id, accept), t(accept ? 'chat.invitationAccepted' : 'chat.invitationDeclined'))) {
      await reloadInvitations().catch(showError);
    }
  };

  return (
    <Screen
      title={state.loaded && !live ? `${t('tab.chats')} (${t('chat.connecting')})` : t('tab.chats')}
      actions={
        <button
          type="button"
          class="icon-button"
          data-testid="new-group"
          aria-label={t('chat.newGroup')}
          title={t('chat.newGroup')}
          onClick={() => navigate('/chats/new-group')}
        >
          <ChatIcon name="plus" />
        </button>
      }
    >
      {invites.length > 0 && (
        <section class="card" data-testid="chat-invitations">
          <h3>{t('chat.invitations')}</h3>
          <ul class="list">
            {invites.map((invite) => (
              <li key={invite.id} class="row" data-testid="chat-invitation" data-invitation-id={invite.id}>
                <span class="row-text">
                  <span class="row-title">{invite.chat_title || t('chat.groupChat')}</span>
                  <span class="row-subtitle">{t('chat.invitedBy', { name: invite.inviter.display_name })}</span>
                </span>
                <span class="row-actions">
                  <button type="button" class="small primary" data-testid="invitation-accept" onClick={() => answer(invite.id, true)}>
                    {t('chat.join')}
                  </button>
                  <button type="button" class="small" data-testid="invitation-decline" onClick={() => answer(invite.id, false)}>
                    {t('requests.decline')}
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <ul class="chat-list" data-testid="chat-list">
        {state.chats.map((chat) => (
          <ChatRow key={chat.id} chat={chat} />
        ))}
      </ul>
      {state.loaded && state.chats.length === 0 && <p class="empty">{t('chat.noChats')}</p>}
      {!state.loaded && <p class="empty">{t('common.loading')}</p>}
      {state.nextCursor && (
        <button type="button" class="link-button load-more" onClick={() => loadMoreChats().catch(showError)}>
          {t('common.loadMore')}
        </button>
      )}
    </Screen>
  );
}

function ChatRow({ chat }: { chat: Chat }) {
  const me = currentUser.get();
  const { me: state, last_message: last } = chat;
  const senderName =
    last && last.sender_id && last.sender_id !== me?.id && chat.kind === 'direct' ? (chat.peer?.display_name ?? null) : null;
  const text = last ? preview(last, senderName, me?.id ?? null) : '';
  const unread = state.unread_count;
  return (
    <li
      class={`chat-row${state.pinned ? ' pinned' : ''}`}
      data-testid="chat-row"
      data-chat-id={chat.id}
      data-unread={unread}
    >
      <a class="chat-row-link" href={href(`/chats/${chat.id}`)}>
        <span class="chat-row-avatar">
          <ChatAvatar chat={chat} />
          {unread > 0 &&
            (state.muted ? (
              <span class="unread-dot" data-testid="unread-badge" aria-label={t('chat.unread', { count: unread })} />
            ) : (
              <span class="unread-badge" data-testid="unread-badge" aria-label={t('chat.unread', { count: unread })}>
                {unread > 99 ? '99+' : unread}
              </span>
            ))}
        </span>
        <span class="chat-row-text">
          <span class="chat-row-top">
            <span class="chat-row-title" data-testid="chat-row-title">
              {chatTitle(chat)}
            </span>
            <span class="chat-row-time">{listTime(last?.created_at ?? chat.created_at)}</span>
          </span>
          <span class="chat-row-bottom">
            <span class="chat-row-preview" data-testid="chat-row-preview">
              {state.mentioned && <span class="mention-flag">{t('chat.mentioned')} </span>}
              {state.muted && unread > 1 && `${t('chat.unread', { count: unread })} `}
              {text}
            </span>
            {state.muted && (
              <span class="chat-row-muted" aria-label={t('chat.muted')} title={t('chat.muted')}>
                <ChatIcon name="muted" />
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}
