import { Avatar } from '../../../core/components/Avatar';
import type { Chat } from '../api';
import { chatTitle } from './format';

/** A direct chat shows the other person's picture; a group, its name's first character on a tile. */
export function ChatAvatar({ chat }: { chat: Chat }) {
  if (chat.kind === 'direct' && chat.peer) return <Avatar user={chat.peer} />;
  return (
    <span class="group-avatar">
      <Avatar user={{ display_name: chatTitle(chat), avatar_url: null }} />
    </span>
  );
}
