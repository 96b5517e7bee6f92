/**
 * The one WebSocket to the server (`/api/v1/ws`, docs/realtime.md), shared by every feature.
 *
 * The server keeps a per-user sync log (1, 2, 3 …). This module remembers the last seq it has handed
 * to the features and, on every (re)connect, says `hello` with it, so the server replays exactly what
 * was missed, once and in order, before pushing new entries live. Features subscribe:
 *
 *   - `onEntry(fn)`: every log entry, in seq order, each once per socket (applying must be idempotent:
 *     after a reload or a reset the same change may come again);
 *   - `onReset(fn)`: local state is void (the session ended, or the server says the log was reset):
 *     drop it and load it afresh after `ready()`;
 *   - `onFrame(type, fn)`: frames outside the log, such as `typing`;
 *   - `ready()`: resolves once the starting point is fixed. A feature loads its snapshot over HTTP
 *     *after* this, so every change after the snapshot is in the stream (changes before it may come
 *     again, which idempotent applying absorbs).
 *
 * The socket opens when the first feature subscribes and a session exists, closes on logout, and
 * reconnects with backoff; `connection` tells the UI whether it is live.
 */
import { ApiError, request as httpRequest } from './http';
import { expireSession, token } from './session';
import { Store } from './store';

/**
 * An entry of the user's sync log (docs/realtime.md, "Entries"): its `kind` says what the rest holds
 * (the chat feature's `SyncEntry` describes the kinds it writes).
 */
export interface LogEntry {
  seq: number;
  kind: string;
}

/** The head of the sync log now (GET /sync?since=0&limit=1). */
const readHead = () =>
  httpRequest<{ head: number }>('GET', '/sync', { query: { since: 0, limit: 1 } }).then((page) => page.head);

export type ConnectionState = 'offline' | 'connecting' | 'live';

/** `live` once the server has replayed what was missed; `connecting` while (re)connecting. */
export const connection = new Store<ConnectionState>('offline');

/** A frame from the server: one JSON object with a `type`. */
export interface Frame {
  type: string;
  [key: string]: unknown;
}

const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;
const REQUEST_TIMEOUT_MS = 10_000;
const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_GAP = 4000; // ours: a gap in the stream, reconnect from the last seq

const entryListeners = new Set<(entry: LogEntry) => void>();
const resetListeners = new Set<() => void>();
const frameListeners = new Map<string, Set<(frame: Frame) => void>>();

/** The last seq applied; null until the starting point is known. */
let since: number | null = null;
let socket: WebSocket | null = null;
let welcomed = false;
/** Bumped by every start and stop; a loop of an older generation ends at its next step. */
let generation = 0;
let watching = false;
let wake: (() => void) | null = null;

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

let started = deferred();

// --- subscribing --------------------------------------------------------------------------------

/** Calls `fn` with every sync-log entry, in order. Returns the unsubscribe function. */
export function onEntry(fn: (entry: LogEntry) => void): () => void {
  entryListeners.add(fn);
  ensureRunning();
  return () => entryListeners.delete(fn);
}

/** Calls `fn` when local state must be dropped (logout, or the server's log was reset). */
export function onReset(fn: () => void): () => void {
  resetListeners.add(fn);
  ensureRunning();
  return () => resetListeners.delete(fn);
}

/** Calls `fn` with every frame of this `type` that is not part of the log (e.g. `typing`). */
export function onFrame(type: string, fn: (frame: Frame) => void): () => void {
  let set = frameListeners.get(type);
  if (!set) frameListeners.set(type, (set = new Set()));
  set.add(fn);
  ensureRunning();
  return () => set.delete(fn);
}

/** Resolves once the stream's starting point is fixed: load snapshots over HTTP after this. */
export function ready(): Promise<void> {
  ensureRunning();
  return started.promise;
}

// --- sending --------------------------------------------------------------------------------------

let nextRef = 1;
const pending = new Map<string, { resolve: (frame: Frame) => void; reject: (error: ApiError) => void; timer: number }>();

const offline = () => new ApiError(0, 'network_error', 'not connected');

/** True when frames can be sent now (the socket is open and the server said welcome). */
export const isLive = (): boolean => socket !== null && welcomed && socket.readyState === WebSocket.OPEN;

/** Sends a frame that needs no answer (e.g. `typing`); false when not connected. */
export function send(frame: Frame): boolean {
  if (!isLive()) return false;
  socket!.send(JSON.stringify(frame));
  return true;
}

/**
 * Sends a frame with a fresh `ref` and resolves with the server's answer to it (`sent`, `ok` …).
 * An `error` answer rejects with an ApiError carrying the server's code; no connection, a dropped one
 * or no answer in time rejects with `network_error` (the caller may retry: sends carry a client id).
 */
export function request(frame: Frame): Promise<Frame> {
  if (!isLive()) return Promise.reject(offline());
  const ref = `r${nextRef++}`;
  return new Promise<Frame>((resolve, reject) => {
    const timer = window.setTimeout(() => {
      pending.delete(ref);
      reject(new ApiError(0, 'network_error', 'no answer in time'));
    }, REQUEST_TIMEOUT_MS);
    pending.set(ref, { resolve, reject, timer });
    socket!.send(JSON.stringify({ ...frame, ref }));
  });
}

function settle(frame: Frame): boolean {
  const ref = typeof frame.ref === 'string' ? frame.ref : null;
  const waiting = ref ? pending.get(ref) : undefined;
  if (!ref || !waiting) return false;
  pending.delete(ref);
  window.clearTimeout(waiting.timer);
  if (frame.type === 'error') {
    const code = typeof frame.code === 'string' ? frame.code : 'error';
    const message = typeof frame.message === 'string' ? frame.message : code;
    waiting.reject(new ApiError(400, code, message, frame.details ?? null));
  } else {
    waiting.resolve(frame);
  }
  return true;
}

function failPending(): void {
  for (const [ref, waiting] of pending) {
    window.clearTimeout(waiting.timer);
    waiting.reject(offline());
    pending.delete(ref);
  }
}

// --- the connection loop ----------------------------------------------------------------------------

function ensureRunning(): void {
  if (watching) return;
  watching = true;
  token.subscribe(followSession);
  window.addEventListener('online', reconnectNow);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') reconnectNow();
  });
  followSession();
}

let runningFor: string | null = null;

function followSession(): void {
  const current = token.get();
  if (current === runningFor) return;
  if (runningFor !== null) stop();
  runningFor = current;
  if (current !== null) void loop(++generation);
}

/** Logout (or another account): close, forget the position, tell the features to drop their state. */
function stop(): void {
  generation++;
  since = null;
  started = deferred();
  closeSocket(1000);
  wake?.();
  for (const fn of [...resetListeners]) safely(() => fn());
}

function reconnectNow(): void {
  wake?.();
}

function closeSocket(code: number): void {
  const open = socket;
  socket = null;
  welcomed = false;
  failPending();
  connection.set('offline');
  if (open && open.readyState !== WebSocket.CLOSED) open.close(code);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = window.setTimeout(done, ms);
    function done() {
      window.clearTimeout(timer);
      if (wake === done) wake = null;
      resolve();
    }
    wake = done;
  });
}

async function loop(gen: number): Promise<void> {
  let backoff = MIN_BACKOFF_MS;
  while (gen === generation) {
    if (since === null) {
      connection.set('connecting');
      try {
        // The head of the log now: the features' snapshots (loaded after `ready`) cover everything up
        // to it, and the socket replays from it.
        const head = await readHead();
        if (gen !== generation) return;
        since = head;
        started.resolve();
      } catch (error) {
        if (gen !== generation) return;
        // A rejected token ends the session through the API client; nothing more to do here.
        if (error instanceof ApiError && error.status === 401) return;
        connection.set('offline');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
    }
    const outcome = await connectOnce(gen);
    if (gen !== generation) return;
    if (outcome.code === CLOSE_UNAUTHORIZED) {
      expireSession();
      return;
    }
    if (outcome.welcomed) backoff = MIN_BACKOFF_MS;
    await sleep(outcome.code === CLOSE_GAP ? 0 : backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

function socketUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/api/v1/ws`;
}

/** One socket, from open to close; resolves with how it ended. */
function connectOnce(gen: number): Promise<{ welcomed: boolean; code: number }> {
  return new Promise((resolve) => {
    connection.set('connecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(socketUrl());
    } catch {
      resolve({ welcomed: false, code: 1006 });
      return;
    }
    socket = ws;
    welcomed = false;
    let gotWelcome = false;
    let pingTimer = 0;
    let pongTimer = 0;

    const ping = () => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(JSON.stringify({ type: 'ping', ref: 'ping' }));
      window.clearTimeout(pongTimer);
      // No pong: the connection is dead even if the browser has not noticed; start over.
      pongTimer = window.setTimeout(() => ws.close(4001), PONG_WITHIN_MS);
    };

    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'hello', since: since ?? 0, token: token.get() }));
    };

    ws.onmessage = (event: MessageEvent) => {
      if (gen !== generation || socket !== ws) return;
      let frame: Frame;
      try {
        frame = JSON.parse(String(event.data)) as Frame;
      } catch {
        return;
      }
      switch (frame.type) {
        case 'welcome':
          gotWelcome = true;
          welcomed = true;
          if (frame.reset === true) {
            // Our position is beyond anything this log ever held: start over from its beginning.
            since = 0;
            for (const fn of [...resetListeners]) safely(() => fn());
          }
          pingTimer = window.setInterval(ping, PING_EVERY_MS);
          return;
        case 'entry':
          applyEntry(ws, frame.entry as LogEntry);
          return;
        case 'synced':
          connection.set('live');
          return;
        case 'pong':
          window.clearTimeout(pongTimer);
          return;
        default:
          if (settle(frame)) return;
          for (const fn of [...(frameListeners.get(frame.type) ?? [])]) safely(() => fn(frame));
      }
    };

    ws.onclose = (event: CloseEvent) => {
      window.clearInterval(pingTimer);
      window.clearTimeout(pongTimer);
      if (socket === ws) {
        socket = null;
        welcomed = false;
        failPending();
        connection.set('offline');
      }
      resolve({ welcomed: gotWelcome, code: event.code });
    };
  });
}

function applyEntry(ws: WebSocket, entry: LogEntry): void {
  if (since === null || entry.seq <= since) return; // already applied
  if (entry.seq !== since + 1) {
    // A gap should never happen (the server guarantees order); reconnect from what we have.
    ws.close(CLOSE_GAP);
    return;
  }
  // Apply, then store: should a listener fail, the others still get the entry and the stream goes on.
  for (const fn of [...entryListeners]) safely(() => fn(entry));
  since = entry.seq;
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    console.error(error);
  }
}
