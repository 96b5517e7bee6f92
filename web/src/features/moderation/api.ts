/**
 * Typed client for moderation (docs/moderation.md): users' reports, and for operators the report
 * queue, the actions on a report and the sensitive-word list.
 */
import { paged, request } from '../../core/http';
import type { Cursor, Id, Page } from '../../core/types';

export type TargetKind = 'post' | 'comment' | 'user' | 'shop';
export type Reason = 'spam' | 'abuse' | 'sexual' | 'violence' | 'illegal' | 'fraud' | 'misinformation' | 'other';
export type ReportStatus = 'open' | 'taken_down' | 'banned' | 'dismissed' | 'restored';
export type OperatorAction = 'take_down' | 'restore' | 'ban' | 'dismiss';
export type WordAction = 'refuse' | 'mask';

export const REASONS: Reason[] = ['spam', 'abuse', 'sexual', 'violence', 'illegal', 'fraud', 'misinformation', 'other'];
export const STATUSES: ReportStatus[] = ['open', 'taken_down', 'banned', 'dismissed', 'restored'];

export interface Report {
  id: Id;
  reporter_id: Id;
  target_kind: TargetKind;
  target_id: Id;
  target_owner_id: Id | null;
  excerpt: string;
  reason: Reason;
  note: string;
  status: ReportStatus;
  handled_by: Id | null;
  handled_at: string | null;
  resolution_note: string;
  created_at: string;
  actions: OperatorAction[];
}

export interface SensitiveWord {
  id: Id;
  word: string;
  action: WordAction;
  created_at: string;
}

export const fileReport = (target_kind: TargetKind, target_id: Id, reason: Reason, note: string) =>
  request<Report>('POST', '/reports', { json: { target_kind, target_id, reason, note } });

export const listReports = (cursor: Cursor, status: ReportStatus | 'all', kind: TargetKind | '') =>
  request<Page<Report>>('GET', '/admin/reports', paged(cursor, { status, kind }));

export const actOnReport = (id: Id, action: OperatorAction, note: string) =>
  request<Report>('POST', `/admin/reports/${id}/actions`, { json: { action, note } });

export const listWords = (cursor: Cursor) => request<Page<SensitiveWord>>('GET', '/admin/sensitive-words', paged(cursor));

export const addWord = (word: string, action: WordAction) =>
  request<SensitiveWord>('POST', '/admin/sensitive-words', { json: { word, action } });

export const removeWord = (id: Id) => request<void>('DELETE', `/admin/sensitive-words/${id}`);
