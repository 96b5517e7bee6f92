import { useEffect, useState } from 'preact/hooks';
import type { Id } from '../../api';
import { sendMessage } from '../../api/chat';
import { chatList, ensureChats } from '../../chats';
import { createMoment } from '../../feedApi';
import { showError, useAction } from '../../flash';
import { t } from '../../i18n';
import { useStore } from '../../store';
import { chatTitle } from '../chat/format';
import { absoluteShareUrl } from '../shop/state';

interface Props {
  /** The chat message: `group_team` with `{team_id}`, or `bargain` with `{bargain_id}`. */
  kind: 'group_team' | 'bargain';
  content: Record<string, string>;
  /** The Moment's default text. */
  momentText: string;
  /** The link the Moment carries (a path like `/#/teams/1?s=…`), made when the Moment is posted. */
  momentLink: () => Promise<string>;
  title: string;
}

/** "Share to chat" (a card the friends tap to join or help) and "Share to Moments". */
export function SharePanel({ kind, content, momentText, momentLink, title }: Props) {
  const [panel, setPanel] = useState<'chat' | 'moment' | null>(null);
  const [text, setText] = useState('');
  const [busy, run] = useAction();

  const toChat = (chatId: Id) =>
    run(async () => {
      await sendMessage(chatId, { kind, content, client_msg_id: crypto.randomUUID() });
      setPanel(null);
    }, t('groupbuy.share.sentToChat'));

  const toMoments = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const url = absoluteShareUrl(await momentLink());
      const body = `${text.trim() || momentText}\n${url}`;
      // The Moment carries the link as its share (the feed's MomentIn type does not list `share` yet).
      const moment = { body, visibility: 'friends' as const, share: { kind: 'link', ref: url, title: title.slice(0, 100) } };
      await createMoment(moment);
      setPanel(null);
      setText('');
    }, t('groupbuy.share.postedToMoments'));
  };

  return (
    <section class="card share-card" data-testid="gb-share">
      <div class="button-row">
        <button type="button" class="small" data-testid="gb-share-chat" disabled={busy} onClick={() => setPanel(panel === 'chat' ? null : 'chat')}>
          {t('groupbuy.share.toChat')}
        </button>
        <button type="button" class="small" data-testid="gb-share-moment" disabled={busy} onClick={() => setPanel(panel === 'moment' ? null : 'moment')}>
          {t('groupbuy.share.toMoments')}
        </button>
      </div>
      {panel === 'chat' && <ChatChoice busy={busy} onPick={(id) => void toChat(id)} />}
      {panel === 'moment' && (
        <form class="form share-moment-form" onSubmit={toMoments}>
          <textarea
            data-testid="gb-share-moment-text"
            rows={2}
            maxLength={500}
            placeholder={momentText}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <button type="submit" class="primary small" data-testid="gb-share-moment-submit" disabled={busy}>
            {t('groupbuy.share.post')}
          </button>
        </form>
      )}
    </section>
  );
}

/** The user's chats, most recent first. */
function ChatChoice({ busy, onPick }: { busy: boolean; onPick: (chatId: Id) => void }) {
  const list = useStore(chatList);
  useEffect(() => {
    ensureChats().catch(showError);
  }, []);
  const chats = list.chats.filter((chat) => chat.me.status === 'active');
  return (
    <div class="share-chat-choice">
      <h3>{t('groupbuy.share.pickChat')}</h3>
      {list.loaded && chats.length === 0 && <p class="empty">{t('groupbuy.share.noChats')}</p>}
      <ul class="list" data-testid="gb-share-chat-list">
        {chats.map((chat) => (
          <li key={chat.id} class="row">
            <button type="button" class="link-button row-main" data-testid="gb-share-chat-option" data-chat-id={chat.id} disabled={busy} onClick={() => onPick(chat.id)}>
              {chatTitle(chat)}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
