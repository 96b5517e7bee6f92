/**
 * Typed client for the chat routes (tag `chat` in the OpenAPI document; docs/realtime.md explains how
 * they fit together). Built on `request` from core/http.ts, like every other endpoint.
 */
import { fileForm, paged, request } from '../../core/http';
import type { LogEntry } from '../../core/realtime';
import type { Cursor, Id, Page, UserCard } from '../../core/types';

/** `service`: a customer-service chat with a merchant account (docs/customer-service.md). */
export type ChatKind = 'direct' | 'group' | 'service';
export type Role = 'owner' | 'admin' | 'member';
export type MemberStatus = 'active' | 'left' | 'removed';
export type MediaKind = 'voice' | 'image' | 'video' | 'file';

/** What a reply shows of the message it answers. */
export interface Quote {
  id: Id;
  sender_id: Id | null;
  kind: string;
  preview: string;
  recalled: boolean;
}

export interface Message {
  id: Id;
  chat_id: Id;
  /** The message's place in its chat: 1, 2, 3 … */
  seq: number;
  /** Null for system notices. */
  sender_id: Id | null;
  kind: string;
  /** Null once recalled. Its shape depends on `kind` (docs/realtime.md, "Message kinds"). */
  content: Record<string, unknown> | null;
  recalled: boolean;
  reply_to: Quote | null;
  mentions: Id[];
  mention_all: boolean;
  forwarded: boolean;
  client_msg_id: string | null;
  created_at: string;
  /** For transfer and red_packet messages read from history: the wallet object as the viewer sees it. */
  money?: Record<string, unknown> | null;
}

export interface MyChatState {
  role: Role;
  status: MemberStatus;
  muted: boolean;
  pinned: boolean;
  read_seq: number;
  unread_count: number;
  mentioned: boolean;
}

export interface Chat {
  id: Id;
  kind: ChatKind;
  title: string | null;
  announcement: string | null;
  owner_id: Id | null;
  mute_all: boolean;
  member_count: number | null;
  last_seq: number;
  last_message: Message | null;
  /** The other person of a direct chat; in a service chat, the other side (the shop, or the customer). */
  peer: UserCard | null;
  peer_read_seq: number | null;
  me: MyChatState;
  created_at: string;
}

export interface Member {
  user: UserCard;
  role: Role;
  joined_at: string;
}

export interface MembersAdded {
  added: Id[];
  /** Invitees who must accept first (groups of more than 40). */
  invited: Id[];
}

export interface Invitation {
  id: Id;
  chat_id: Id;
  chat_title: string | null;
  inviter: UserCard;
  status: 'pending' | 'accepted' | 'declined' | 'void';
  created_at: string;
}

export type EntryKind = 'message' | 'recall' | 'hide' | 'read' | 'chat' | 'invite';

/** One entry of the user's sync log as the chat writes it (docs/realtime.md, "Entries"). Later domains may add kinds. */
export interface SyncEntry extends LogEntry {
  kind: EntryKind | (string & {});
  chat_id: Id;
  message: Message | null;
  message_id: Id | null;
  chat: Chat | null;
  user_id: Id | null;
  read_seq: number | null;
  invitation: Invitation | null;
}

export interface MediaUpload {
  id: Id;
  kind: MediaKind;
  url: string;
  thumb_url: string | null;
  mime: string;
  size_bytes: number;
  duration_ms: number | null;
  width: number | null;
  height: number | null;
  filename: string | null;
}

export interface RecallResult {
  message: Message;
  /** The recalled text, for the sender to edit and send again (for a few minutes); null for other kinds. */
  editable_text: string | null;
  editable_until: string | null;
}

/** A new message: `kind` and `content`, or `forward`. */
export interface MessageBody {
  kind?: string;
  content?: Record<string, unknown>;
  forward?: { chat_id: Id; message_id: Id };
  client_msg_id?: string;
  reply_to_id?: Id;
  mentions?: Id[];
  mention_all?: boolean;
}

export interface GroupChanges {
  title?: string;
  announcement?: string;
  mute_all?: boolean;
}

export const listChats = (cursor: Cursor, limit = 100) => request<Page<Chat>>('GET', '/chats', paged(cursor, { limit }));
export const getChat = (id: Id) => request<Chat>('GET', `/chats/${id}`);
export const openDirectChat = (userId: Id) => request<Chat>('POST', '/chats/direct', { json: { user_id: userId } });
export const createGroup = (body: { title?: string; member_ids: Id[] }) =>
  request<Chat>('POST', '/chats/groups', { json: body });
export const updateGroup = (id: Id, body: GroupChanges) => request<Chat>('PATCH', `/chats/${id}`, { json: body });
export const updateChatSettings = (id: Id, body: { muted?: boolean; pinned?: boolean }) =>
  request<Chat>('PATCH', `/chats/${id}/settings`, { json: body });
export const markRead = (id: Id, seq: number) => request<Chat>('POST', `/chats/${id}/read`, { json: { seq } });
export const leaveChat = (id: Id) => request<void>('POST', `/chats/${id}/leave`);

export const listMembers = (id: Id, cursor: Cursor) =>
  request<Page<Member>>('GET', `/chats/${id}/members`, paged(cursor, { limit: 100 }));
export const addMembers = (id: Id, userIds: Id[]) =>
  request<MembersAdded>('POST', `/chats/${id}/members`, { json: { user_ids: userIds } });
export const setMemberRole = (id: Id, userId: Id, role: Role) =>
  request<Member>('PATCH', `/chats/${id}/members/${userId}`, { json: { role } });
export const removeMember = (id: Id, userId: Id) => request<void>('DELETE', `/chats/${id}/members/${userId}`);

export const listInvitations = (cursor: Cursor) => request<Page<Invitation>>('GET', '/chat-invitations', paged(cursor));
export const answerInvitation = (id: Id, accept: boolean) =>
  request<Invitation>('POST', `/chat-invitations/${id}/${accept ? 'accept' : 'decline'}`);

/** History, newest first. */
export const listMessages = (id: Id, cursor: Cursor, limit = 30) =>
  request<Page<Message>>('GET', `/chats/${id}/messages`, paged(cursor, { limit }));
export const sendMessage = (id: Id, body: MessageBody) =>
  request<Message>('POST', `/chats/${id}/messages`, { json: body });
export const getMessage = (id: Id, messageId: Id) => request<Message>('GET', `/chats/${id}/messages/${messageId}`);
export const recallMessage = (id: Id, messageId: Id) =>
  request<RecallResult>('POST', `/chats/${id}/messages/${messageId}/recall`);
export const hideMessage = (id: Id, messageId: Id) => request<void>('DELETE', `/chats/${id}/messages/${messageId}`);
export const uploadMedia = (id: Id, kind: MediaKind, file: Blob, filename: string) =>
  request<MediaUpload>('POST', `/chats/${id}/media`, { form: fileForm(file, filename, { kind }) });
