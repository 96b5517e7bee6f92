/**
 * Typed client for the feed routes (docs/feed.md): Moments, public posts, reposts and cascades,
 * likes and comments, topics, search, hot search and notifications. Built on `request` from core/http.ts.
 *
 * The client never decides who may see what: every list and every count shown comes from these
 * answers as they are (the server applies MOM-2 … MOM-6 per viewer).
 */
import { fileForm, paged, request } from '../../core/http';
import type { Cursor, Id, Page, UserCard } from '../../core/types';

export type Visibility = 'friends' | 'private' | 'include' | 'exclude';
export type PostKind = 'moment' | 'public';

export interface Media {
  id: Id;
  kind: 'image' | 'video';
  url: string;
  thumbnail_url: string | null;
  width: number;
  height: number;
  duration_ms: number | null;
}

export interface Share {
  kind: 'link' | 'product';
  ref: string;
  title: string;
}

export interface PostSummary {
  id: Id;
  kind: PostKind;
  author: UserCard;
  body: string;
  media: Media[];
  created_at: string;
}

export interface ChainLink {
  post_id: Id;
  author: UserCard;
  comment: string;
}

export interface RepostInfo {
  parent_id: Id | null;
  root: PostSummary | null;
  root_unavailable: boolean;
  depth: number;
  chain: ChainLink[];
}

export interface Comment {
  id: Id;
  post_id: Id;
  author: UserCard;
  body: string;
  reply_to_comment_id: Id | null;
  reply_to_user: UserCard | null;
  created_at: string;
}

export interface Post {
  id: Id;
  kind: PostKind;
  author: UserCard;
  /** The text as shown: the author's own, then for a repost the `//@name: comment` chain. */
  text: string;
  body: string;
  location: string | null;
  share: Share | null;
  media: Media[];
  topics: { name: string }[];
  mentions: UserCard[];
  visibility: 'public' | Visibility | null;
  audience: { tag_ids: Id[]; user_ids: Id[] } | null;
  repost: RepostInfo | null;
  like_count: number;
  comment_count: number;
  repost_count: number;
  liked_by_me: boolean;
  /** Under a Moment: the likes and comments this viewer may see, oldest first; null for public posts. */
  likes: UserCard[] | null;
  comments: Comment[] | null;
  created_at: string;
}

export interface CascadeNode {
  id: Id;
  author: UserCard;
  comment: string;
  depth: number;
  created_at: string;
  children: CascadeNode[];
}

export interface Cascade {
  root: CascadeNode;
  size: number;
  max_depth: number;
  max_breadth: number;
  truncated: boolean;
}

export interface TopicInfo {
  name: string;
  post_count: number;
  hot_rank: number | null;
}

export interface HotSearchItem {
  rank: number;
  kind: 'topic' | 'term';
  name: string;
  score: number;
  accounts: number;
}

export interface HotSearch {
  items: HotSearchItem[];
  computed_at: string | null;
}

export type NotificationKind =
  | 'like'
  | 'comment'
  | 'reply'
  | 'mention'
  | 'repost'
  | 'comment_removed'
  | 'taken_down'
  | 'restored';

export interface Notification {
  id: Id;
  kind: NotificationKind;
  actor: UserCard | null;
  post_id: Id | null;
  comment_id: Id | null;
  excerpt: string;
  read: boolean;
  created_at: string;
}

export interface Unread {
  notifications: number;
  friend_requests: number;
  total: number;
}

export interface PostContent {
  body: string;
  media_ids?: Id[];
  location?: string | null;
}

export interface MomentIn extends PostContent {
  visibility: Visibility;
  tag_ids?: Id[];
  user_ids?: Id[];
}

// Media
export const uploadImage = (file: File) => request<Media>('POST', '/media/images', { form: fileForm(file) });

// Moments
export const createMoment = (body: MomentIn) => request<Post>('POST', '/moments', { json: body });
export const listMoments = (cursor: Cursor) => request<Page<Post>>('GET', '/moments', paged(cursor));
export const listUserMoments = (userId: Id, cursor: Cursor) =>
  request<Page<Post>>('GET', `/users/${userId}/moments`, paged(cursor));

// Public posts
export const createPost = (body: PostContent) => request<Post>('POST', '/posts', { json: body });
export const homeTimeline = (cursor: Cursor) => request<Page<Post>>('GET', '/timeline/home', paged(cursor));
export const listUserPosts = (userId: Id, cursor: Cursor) => request<Page<Post>>('GET', `/users/${userId}/posts`, paged(cursor));
export const getPost = (id: Id) => request<Post>('GET', `/posts/${id}`);
export const deletePost = (id: Id) => request<void>('DELETE', `/posts/${id}`);
export const repost = (id: Id, comment: string) => request<Post>('POST', `/posts/${id}/reposts`, { json: { comment } });
export const getCascade = (id: Id) => request<Cascade>('GET', `/posts/${id}/cascade`);

// Likes and comments
export const like = (id: Id) => request<void>('PUT', `/posts/${id}/like`);
export const unlike = (id: Id) => request<void>('DELETE', `/posts/${id}/like`);
export const listComments = (id: Id, cursor: Cursor) => request<Page<Comment>>('GET', `/posts/${id}/comments`, paged(cursor));
export const addComment = (id: Id, body: string, replyTo: Id | null = null) =>
  request<Comment>('POST', `/posts/${id}/comments`, { json: { body, reply_to_comment_id: replyTo } });
export const deleteComment = (id: Id) => request<void>('DELETE', `/comments/${id}`);

// Topics, search, hot search
export const getTopic = (name: string) => request<TopicInfo>('GET', '/topics', { query: { name } });
export const topicPosts = (name: string, cursor: Cursor) => request<Page<Post>>('GET', '/topics/posts', paged(cursor, { name }));
export const searchPosts = (q: string, cursor: Cursor) => request<Page<Post>>('GET', '/search/posts', paged(cursor, { q }));
export const hotSearch = () => request<HotSearch>('GET', '/hot-search');

// Notifications
export const listNotifications = (cursor: Cursor) => request<Page<Notification>>('GET', '/notifications', paged(cursor));
export const unreadCount = () => request<Unread>('GET', '/notifications/unread');
export const markNotificationsRead = (upToId: Id | null = null) =>
  request<void>('POST', '/notifications/read', { json: { up_to_id: upToId } });
