/** Typed client for accounts (docs/api.md, tag `identity`): sign-up and log-in, the profile, password and devices. */
import { fileForm, paged, request } from '../../core/http';
import type { AccountKind, Cursor, Id, Me, Page } from '../../core/types';

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
export const uploadAvatar = (file: File) => request<Me>('POST', '/me/avatar', { form: fileForm(file) });
export const changePassword = (body: { current_password: string; new_password: string }) =>
  request<void>('POST', '/me/password', { json: body });
export const listSessions = (cursor: Cursor) => request<Page<Session>>('GET', '/me/sessions', paged(cursor));
export const revokeSession = (id: Id) => request<void>('DELETE', `/me/sessions/${id}`);
