/**
 * Typed client for the wallet routes (docs/wallet.md, tag `wallet`). Every amount is an integer number
 * of fen. Money-moving POSTs carry an `Idempotency-Key`: the caller makes one per user action and sends
 * the same one again only to retry that action (core/idempotency.ts).
 */
import { request } from '../../core/http';
import type { Cursor, Id, Page, UserCard } from '../../core/types';

export interface Limits {
  transfer_per_transaction: number;
  transfer_per_day: number;
  withdrawal_per_transaction: number;
  withdrawal_per_day: number;
  red_packet_max_total: number;
  red_packet_max_shares: number;
}

export interface Wallet {
  balance: number;
  currency: string;
  pin_set: boolean;
  pin_locked_until: string | null;
  limits: Limits;
}

export interface Card {
  id: Id;
  bank: string;
  masked: string;
  last4: string;
  holder_name: string;
  created_at: string;
}

export type BankOrderStatus = 'pending' | 'succeeded' | 'failed';

export interface BankOrder {
  id: Id;
  kind: 'topup' | 'withdrawal';
  card_id: Id;
  amount: number;
  status: BankOrderStatus;
  failure_reason: string | null;
  created_at: string;
  resolved_at: string | null;
}

export type TransferStatus = 'pending' | 'accepted' | 'declined' | 'expired';

export interface Transfer {
  id: Id;
  sender: UserCard;
  receiver: UserCard;
  amount: number;
  note: string;
  status: TransferStatus;
  conversation_ref: string | null;
  created_at: string;
  expires_at: string;
  resolved_at: string | null;
}

export interface Grab {
  user: UserCard;
  amount: number;
  grabbed_at: string;
  best_luck: boolean;
}

export interface RedPacket {
  id: Id;
  sender: UserCard;
  kind: 'direct' | 'group';
  split: 'lucky' | 'equal';
  total: number;
  count: number;
  greeting: string;
  status: 'open' | 'finished' | 'expired';
  claimed_count: number;
  claimed_amount: number;
  refunded_amount: number;
  my_amount: number | null;
  grabs: Grab[];
  conversation_ref: string | null;
  created_at: string;
  expires_at: string;
}

export interface StatementItem {
  id: Id;
  entry_id: Id;
  kind: string;
  /** Signed fen: positive came in, negative went out. */
  amount: number;
  balance_after: number;
  counterparty: UserCard | null;
  reference_type: string;
  reference_id: Id;
  memo: string;
  created_at: string;
}

export interface RedPacketBody {
  kind: 'direct' | 'group';
  split?: 'lucky' | 'equal';
  total: number;
  count?: number;
  greeting?: string;
  to_user_id?: Id;
  audience?: Id[];
  /** The chat it is sent in: the chat follows it (notices) and may show it as a message. */
  conversation_ref?: Id;
  pin: string;
}

export const getWallet = () => request<Wallet>('GET', '/wallet');
export const setPin = (body: { new_pin: string; current_pin?: string }) =>
  request<void>('PUT', '/wallet/pin', { json: body });

export const listCards = () => request<Card[]>('GET', '/wallet/cards');
export const linkCard = (body: { number: string; holder_name: string }) =>
  request<Card>('POST', '/wallet/cards', { json: body });
export const removeCard = (id: Id) => request<void>('DELETE', `/wallet/cards/${id}`);

export const topUp = (key: string, body: { card_id: Id; amount: number; pin: string }) =>
  request<BankOrder>('POST', '/wallet/topups', { json: body, idempotencyKey: key });
export const withdraw = (key: string, body: { card_id: Id; amount: number; pin: string }) =>
  request<BankOrder>('POST', '/wallet/withdrawals', { json: body, idempotencyKey: key });
export const getBankOrder = (id: Id) => request<BankOrder>('GET', `/wallet/bank-orders/${id}`);

export const sendTransfer = (
  key: string,
  body: { to_user_id: Id; amount: number; note?: string; conversation_ref?: Id; pin: string },
) =>
  request<Transfer>('POST', '/wallet/transfers', { json: body, idempotencyKey: key });
export const getTransfer = (id: Id) => request<Transfer>('GET', `/wallet/transfers/${id}`);
export const acceptTransfer = (key: string, id: Id) =>
  request<Transfer>('POST', `/wallet/transfers/${id}/accept`, { idempotencyKey: key });
export const declineTransfer = (key: string, id: Id) =>
  request<Transfer>('POST', `/wallet/transfers/${id}/decline`, { idempotencyKey: key });

export const createRedPacket = (key: string, body: RedPacketBody) =>
  request<RedPacket>('POST', '/wallet/red-packets', { json: body, idempotencyKey: key });
export const getRedPacket = (id: Id) => request<RedPacket>('GET', `/wallet/red-packets/${id}`);
export const grabRedPacket = (key: string, id: Id) =>
  request<RedPacket>('POST', `/wallet/red-packets/${id}/grab`, { idempotencyKey: key });

export const getStatement = (cursor: Cursor, limit = 20) =>
  request<Page<StatementItem>>('GET', '/wallet/statement', { query: { cursor, limit } });
