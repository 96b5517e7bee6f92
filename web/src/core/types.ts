/** The shapes every domain's answers share: ids, pages of a list, the card of a user, the signed-in user. */

/** Ids are 64-bit integers sent as strings; JavaScript numbers would lose precision. */
export type Id = string;

export type AccountKind = 'consumer' | 'merchant';

/** A user as lists, messages, posts and orders show them. */
export interface UserCard {
  id: Id;
  username: string | null;
  display_name: string;
  avatar_url: string | null;
  kind: AccountKind;
  is_kol: boolean;
  merchant_verified: boolean;
}

/** The signed-in user (GET /me), kept by core/session.ts. */
export interface Me extends UserCard {
  phone: string | null;
  bio: string;
  region: string;
  is_operator: boolean;
  discoverable_by_username: boolean;
  discoverable_by_phone: boolean;
  created_at: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type Cursor = string | null;
