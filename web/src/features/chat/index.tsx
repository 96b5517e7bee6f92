/** Chats and groups: the chat list, a chat, its settings, a new group (docs/realtime.md). */
import type { Feature } from '../../core/feature';
import { ChatPage } from './pages/Chat';
import { ChatSettingsPage } from './pages/ChatSettings';
import { ChatsPage } from './pages/Chats';
import { NewGroupPage } from './pages/NewGroup';
import * as strings from './strings';
import './styles.css';

export const chat: Feature = {
  strings,
  routes: [
    { pattern: '/chats', tab: 'chats', render: () => <ChatsPage /> },
    { pattern: '/chats/new-group', tab: 'chats', render: () => <NewGroupPage /> },
    { pattern: '/chats/:id', tab: 'chats', render: ({ id }) => <ChatPage id={id} /> },
    { pattern: '/chats/:id/settings', tab: 'chats', render: ({ id }) => <ChatSettingsPage id={id} /> },
  ],
};
