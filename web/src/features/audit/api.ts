/**
 * Typed client for the audit log of money and operator actions (docs/audit.md): operators only.
 * Amounts are integer fen; ids are strings.
 */
import { request } from '../../core/http';
import type { Cursor, Id, Page, UserCard } from '../../core/types';

/** The kinds the log records (audit/kinds.py), in the order the filter offers them. */
export const AUDIT_KINDS = [
  'wallet.transfer.created',
  'wallet.transfer.accepted',
  'wallet.transfer.declined',
  'wallet.transfer.expired',
  'wallet.red_packet.created',
  'wallet.red_packet.grabbed',
  'wallet.red_packet.expired',
  'wallet.topup.requested',
  'wallet.topup.succeeded',
  'wallet.topup.failed',
  'wallet.withdrawal.requested',
  'wallet.withdrawal.succeeded',
  'wallet.withdrawal.failed',
  'wallet.payment.created',
  'wallet.payment.settled',
  'wallet.payment.refunded',
  'identity.merchant.verification_changed',
  'identity.kol.badge_changed',
  'identity.operator.changed',
  'moderation.words.changed',
  'moderation.content.taken_down',
  'moderation.content.restored',
  'moderation.user.banned',
  'moderation.user.unbanned',
] as const;

export interface AuditEntry {
  id: Id;
  position: number;
  occurred_at: string;
  kind: string;
  actor_id: Id | null;
  actor: UserCard | null;
  subject_id: Id | null;
  subject: UserCard | null;
  amount: number | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  data: Record<string, unknown>;
  via: string | null;
  address: string | null;
  user_agent: string | null;
  request_id: string | null;
}

export interface AuditFilter {
  actor: string;
  subject: string;
  kind: string;
  /** ISO 8601 times, or empty. */
  since: string;
  until: string;
}

export const listAudit = (filter: AuditFilter, cursor: Cursor) =>
  request<Page<AuditEntry>>('GET', '/admin/audit', { query: { ...filter, cursor, limit: 20 } });
