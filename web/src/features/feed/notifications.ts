/**
 * The unread-notifications count behind the badges. The server pushes a `{"type": "notification"}`
 * frame over the shared WebSocket (core/realtime.ts) whenever the count may have changed; the frame
 * carries nothing about the notification, so the count is then read over HTTP. While the socket is
 * not live, the count is polled every 30 s instead.
 */
import { useEffect } from 'preact/hooks';
import { connection, onFrame, onReset } from '../../core/realtime';
import { token } from '../../core/session';
import { Store, useStore } from '../../core/store';
import { unreadCount, type Unread } from './api';

const POLL_MS = 30_000;

export const unread = new Store<Unread | null>(null);

let started = false;
let inFlight = false;
let again = false;

/** Reads the count now (coalescing calls made while a read is running). */
export function refreshUnread(): void {
  if (token.get() === null) return;
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  unreadCount()
    .then((value) => unread.set(value), () => {})
    .finally(() => {
      inFlight = false;
      if (again) {
        again = false;
        refreshUnread();
      }
    });
}

function start(): void {
  if (started) return;
  started = true;
  onFrame('notification', refreshUnread);
  onReset(() => {
    unread.set(null);
    refreshUnread();
  });
  // A reconnect may have missed frames: read the count again whenever the socket becomes live.
  connection.subscribe(() => {
    if (connection.get() === 'live') refreshUnread();
  });
  token.subscribe(() => {
    unread.set(null);
    refreshUnread();
  });
  window.setInterval(() => {
    if (connection.get() !== 'live') refreshUnread();
  }, POLL_MS);
  refreshUnread();
}

/** The current count, kept live while any component uses it. */
export function useUnread(): Unread | null {
  useEffect(start, []);
  return useStore(unread);
}
