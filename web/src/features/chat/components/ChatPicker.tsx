import { useEffect } from 'preact/hooks';
import { showError } from '../../../core/flash';
import { useStore } from '../../../core/store';
import type { Id } from '../../../core/types';
import { chatList, ensureChats } from '../chats';
import { chatTitle } from './format';

interface Props {
  /** The heading, and the line shown when there is no chat. */
  title: string;
  empty: string;
  busy: boolean;
  onPick: (chatId: Id) => void;
  /** Test ids: `<testId>-list` for the list, `<testId>-option` for each chat. */
  testId: string;
}

/** The user's chats, most recent first, to send a card to (a shared product, a team, a bargain). */
export function ChatPicker({ title, empty, busy, onPick, testId }: Props) {
  const list = useStore(chatList);
  useEffect(() => {
    ensureChats().catch(showError);
  }, []);
  const chats = list.chats.filter((chat) => chat.me.status === 'active');
  return (
    <div class="share-chat-choice">
      <h3>{title}</h3>
      {list.loaded && chats.length === 0 && <p class="empty">{empty}</p>}
      <ul class="list" data-testid={`${testId}-list`}>
        {chats.map((chat) => (
          <li key={chat.id} class="row">
            <button
              type="button"
              class="link-button row-main"
              data-testid={`${testId}-option`}
              data-chat-id={chat.id}
              disabled={busy}
              onClick={() => onPick(chat.id)}
            >
              {chatTitle(chat)}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
