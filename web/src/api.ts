/**
 * Typed client for the public HTTP API under /api/v1 (docs/api.md). Every call goes through
 * `request`, which attaches the bearer token and turns the error envelope into an `ApiError`.
 */
const BASE = '/api/v1';

/** How requests find the session's token and what to do when the server rejects it; wired in main.tsx. */
export interface AuthHooks {
  token: () => string | null;
  onRejected: () => void;
}

let auth: AuthHooks = { token: () => null, onRejected: () => {} };

export function configureAuth(hooks: AuthHooks): void {
  auth = hooks;
}

/** Ids are 64-bit integers sent as strings; JavaScript numbers would lose precision. */
export type Id = string;

export type AccountKind = 'consumer' | 'merchant';

export interface UserCard {
  id: Id;
  username: string | null;
  display_name: string;
  avatar_url: string | null;
  kind: AccountKind;
  is_kol: boolean;
  merchant_verified: boolean;
}

export interface Me extends UserCard {
  phone: string | null;
  bio: string;
  region: string;
  is_operator: boolean;
  discoverable_by_username: boolean;
  discoverable_by_phone: boolean;
  created_at: string;
}

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

export interface Session {
  id: Id;
  created_at: string;
  last_seen_at: string;
  user_agent: string | null;
  ip: string | null;
  current: boolean;
}

export interface AuthResult {
  token: string;
  session_id: Id;
  user: Me;
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

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type Cursor = string | null;

/** An error answer from the API, or `network_error` when no answer came. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details: unknown = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export interface RequestOptions {
  json?: unknown;
  form?: FormData;
  query?: Record<string, string | number | null | undefined>;
  /** Extra request headers (the wallet's `Idempotency-Key`). */
  headers?: Record<string, string>;
}

/** One call to the API; feature modules (`api/chat.ts`) build their typed endpoints on it. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const url = new URL(BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== null && value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  const token = auth.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    // The browser sets the multipart boundary itself, so no Content-Type here.
    body = options.form;
  }

  let response: Response;
  try {
    response = await fetch(url, { method, headers, body });
  } catch (cause) {
    throw new ApiError(0, 'network_error', cause instanceof Error ? cause.message : String(cause));
  }

  if (response.ok) {
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
  const error = await readError(response);
  // A rejected token means the session ended elsewhere (logout, revocation, password change).
  // Without a token, a 401 is an answer to show (e.g. wrong password), not an expiry.
  if (response.status === 401 && token) auth.onRejected();
  throw error;
}

async function readError(response: Response): Promise<ApiError> {
  try {
    const payload = (await response.json()) as { error?: { code?: string; message?: string; details?: unknown } };
    if (payload.error?.code) {
      return new ApiError(response.status, payload.error.code, payload.error.message ?? payload.error.code, payload.error.details);
    }
  } catch {
    // Not JSON (a proxy's error page, say): fall through to the status line.
  }
  return new ApiError(response.status, `http_${response.status}`, response.statusText || `HTTP ${response.status}`);
}

const page = (cursor: Cursor, extra: RequestOptions['query'] = {}) => ({ query: { ...extra, cursor } });

// Accounts
export const signup = (body: {
  username?: string;
  phone?: string;
  password: string;
  display_name: string;
  kind: AccountKind;
}) => request<AuthResult>('POST', '/auth/signup', { json: body });
export const login = (body: { login: string; password: string }) => request<AuthResult>('POST', '/auth/login', { json: body });
export const logout = () => request<void>('POST', '/auth/logout');
export const getMe = () => request<Me>('GET', '/me');
export const updateMe = (
  body: Partial<Pick<Me, 'display_name' | 'bio' | 'region' | 'discoverable_by_username' | 'discoverable_by_phone'>>,
) => request<Me>('PATCH', '/me', { json: body });
export const uploadAvatar = (file: File) => {
  const form = new FormData();
  form.append('file', file);
  return request<Me>('POST', '/me/avatar', { form });
};
export const changePassword = (body: { current_password: string; new_password: string }) =>
  request<void>('POST', '/me/password', { json: body });
export const listSessions = (cursor: Cursor) => request<Page<Session>>('GET', '/me/sessions', page(cursor));
export const revokeSession = (id: Id) => request<void>('DELETE', `/me/sessions/${id}`);
export const getUser = (id: Id) => request<UserProfile>('GET', `/users/${id}`);
export const searchUsers = (q: string, cursor: Cursor) => request<Page<UserCard>>('GET', '/users/search', page(cursor, { q }));

// Social graph
export const sendFriendRequest = (body: { to_user_id: Id; message?: string }) =>
  request<FriendRequest>('POST', '/friend-requests', { json: body });
export const listFriendRequests = (direction: 'incoming' | 'outgoing', cursor: Cursor) =>
  request<Page<FriendRequest>>('GET', '/friend-requests', page(cursor, { direction }));
export const acceptFriendRequest = (id: Id) => request<FriendRequest>('POST', `/friend-requests/${id}/accept`);
export const declineFriendRequest = (id: Id) => request<FriendRequest>('POST', `/friend-requests/${id}/decline`);
export const listFriends = (cursor: Cursor) => request<Page<Friend>>('GET', '/friends', page(cursor));
export const setRemark = (userId: Id, remark: string) => request<Friend>('PATCH', `/friends/${userId}`, { json: { remark } });
export const removeFriend = (userId: Id) => request<void>('DELETE', `/friends/${userId}`);
export const listFollowing = (cursor: Cursor) => request<Page<UserCard>>('GET', '/following', page(cursor));
export const listFollowers = (cursor: Cursor) => request<Page<UserCard>>('GET', '/followers', page(cursor));
export const follow = (userId: Id) => request<void>('PUT', `/following/${userId}`);
export const unfollow = (userId: Id) => request<void>('DELETE', `/following/${userId}`);
export const listBlocks = (cursor: Cursor) => request<Page<UserCard>>('GET', '/blocks', page(cursor));
export const block = (userId: Id) => request<void>('PUT', `/blocks/${userId}`);
export const unblock = (userId: Id) => request<void>('DELETE', `/blocks/${userId}`);
export const listTags = () => request<{ items: Tag[] }>('GET', '/tags');
export const createTag = (name: string) => request<Tag>('POST', '/tags', { json: { name } });
export const renameTag = (id: Id, name: string) => request<Tag>('PATCH', `/tags/${id}`, { json: { name } });
export const deleteTag = (id: Id) => request<void>('DELETE', `/tags/${id}`);
export const listTagMembers = (id: Id, cursor: Cursor) => request<Page<UserCard>>('GET', `/tags/${id}/members`, page(cursor));
export const addTagMember = (id: Id, userId: Id) => request<void>('PUT', `/tags/${id}/members/${userId}`);
export const removeTagMember = (id: Id, userId: Id) => request<void>('DELETE', `/tags/${id}/members/${userId}`);
