/**
 * Typed client for the social graph (docs/api.md, tag `graph`): people search and profiles, friend
 * requests, friends and remarks, follows, blocks and tags.
 */
import { paged, request } from '../../core/http';
import type { Cursor, Id, Page, UserCard } from '../../core/types';

export interface Relation {
  is_self: boolean;
  is_friend: boolean;
  is_following: boolean;
  follows_me: boolean;
  blocked_by_me: boolean;
  remark: string | null;
  pending_request: 'outgoing' | 'incoming' | null;
  pending_request_id: Id | null;
}

export interface UserProfile extends UserCard {
  bio: string;
  region: string;
  follower_count: number;
  following_count: number;
  relation: Relation;
}

export interface FriendRequest {
  id: Id;
  from_user: UserCard;
  to_user: UserCard;
  message: string;
  status: 'pending' | 'accepted' | 'declined';
  created_at: string;
}

export interface TagRef {
  id: Id;
  name: string;
}

export interface Friend {
  user: UserCard;
  remark: string | null;
  tags: TagRef[];
  since: string;
}

export interface Tag extends TagRef {
  member_count: number;
}

export const getUser = (id: Id) => request<UserProfile>('GET', `/users/${id}`);
export const searchUsers = (q: string, cursor: Cursor) => request<Page<UserCard>>('GET', '/users/search', paged(cursor, { q }));

export const sendFriendRequest = (body: { to_user_id: Id; message?: string }) =>
  request<FriendRequest>('POST', '/friend-requests', { json: body });
export const listFriendRequests = (direction: 'incoming' | 'outgoing', cursor: Cursor) =>
  request<Page<FriendRequest>>('GET', '/friend-requests', paged(cursor, { direction }));
export const acceptFriendRequest = (id: Id) => request<FriendRequest>('POST', `/friend-requests/${id}/accept`);
export const declineFriendRequest = (id: Id) => request<FriendRequest>('POST', `/friend-requests/${id}/decline`);
export const listFriends = (cursor: Cursor) => request<Page<Friend>>('GET', '/friends', paged(cursor));
export const setRemark = (userId: Id, remark: string) => request<Friend>('PATCH', `/friends/${userId}`, { json: { remark } });
export const removeFriend = (userId: Id) => request<void>('DELETE', `/friends/${userId}`);
export const listFollowing = (cursor: Cursor) => request<Page<UserCard>>('GET', '/following', paged(cursor));
export const listFollowers = (cursor: Cursor) => request<Page<UserCard>>('GET', '/followers', paged(cursor));
export const follow = (userId: Id) => request<void>('PUT', `/following/${userId}`);
export const unfollow = (userId: Id) => request<void>('DELETE', `/following/${userId}`);
export const listBlocks = (cursor: Cursor) => request<Page<UserCard>>('GET', '/blocks', paged(cursor));
export const block = (userId: Id) => request<void>('PUT', `/blocks/${userId}`);
export const unblock = (userId: Id) => request<void>('DELETE', `/blocks/${userId}`);
export const listTags = () => request<{ items: Tag[] }>('GET', '/tags');
export const createTag = (name: string) => request<Tag>('POST', '/tags', { json: { name } });
export const renameTag = (id: Id, name: string) => request<Tag>('PATCH', `/tags/${id}`, { json: { name } });
export const deleteTag = (id: Id) => request<void>('DELETE', `/tags/${id}`);
export const listTagMembers = (id: Id, cursor: Cursor) => request<Page<UserCard>>('GET', `/tags/${id}/members`, paged(cursor));
export const addTagMember = (id: Id, userId: Id) => request<void>('PUT', `/tags/${id}/members/${userId}`);
export const removeTagMember = (id: Id, userId: Id) => request<void>('DELETE', `/tags/${id}/members/${userId}`);
