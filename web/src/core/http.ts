/**
 * The one HTTP client for the public API under /api/v1 (docs/api.md). Every feature's `api.ts` builds
 * its typed endpoints on `request`, which attaches the bearer token (and the `Idempotency-Key` of a
 * money-moving call) and turns the error envelope into an `ApiError`.
 */
import type { Cursor } from './types';

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

export type Query = Record<string, string | number | null | undefined>;

export interface RequestOptions {
  json?: unknown;
  form?: FormData;
  /** Parameters left out when null, undefined or empty. */
  query?: Query;
  /** Sent as `Idempotency-Key` (core/idempotency.ts makes one per user action). */
  idempotencyKey?: string;
}

/** One call to the API. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const url = new URL(BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== null && value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
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

/** The options of a cursor-paginated read: `query` plus the cursor of the page wanted. */
export const paged = (cursor: Cursor, query: Query = {}): RequestOptions => ({ query: { ...query, cursor } });

/** The multipart body of an upload: `fields` first, then the file as `file`. */
export function fileForm(file: Blob, filename?: string, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (filename === undefined) form.append('file', file);
  else form.append('file', file, filename);
  return form;
}
