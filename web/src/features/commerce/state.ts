/**
 * What the shop remembers on this device: the share link a product was opened from (so adding it to
 * the cart credits the sharer), what is being checked out, and the last delivery address.
 */
import type { Id } from '../../core/types';
import type { Address } from './api';

const SHARES_KEY = 'quanzi.shop.shares';
const ADDRESS_KEY = 'quanzi.shop.address';
const CHECKOUT_KEY = 'quanzi.shop.checkout';
/** Attribution only counts opens of the last 7 days (docs/commerce.md); older tokens are dropped. */
const SHARE_TTL_MS = 7 * 24 * 3600_000;

export interface RememberedShare {
  token: string;
  sharer: string;
  at: number;
}

function readJson<T>(storage: Storage, key: string): T | null {
  try {
    const raw = storage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

export function rememberShare(productId: Id, token: string, sharer: string): void {
  const all = readJson<Record<string, RememberedShare>>(localStorage, SHARES_KEY) ?? {};
  const now = Date.now();
  for (const [id, entry] of Object.entries(all)) if (now - entry.at > SHARE_TTL_MS) delete all[id];
  all[productId] = { token, sharer, at: now };
  localStorage.setItem(SHARES_KEY, JSON.stringify(all));
}

/** The share link this product was last opened from, within the attribution window. */
export function shareFor(productId: Id): RememberedShare | null {
  const entry = readJson<Record<string, RememberedShare>>(localStorage, SHARES_KEY)?.[productId];
  return entry && Date.now() - entry.at <= SHARE_TTL_MS ? entry : null;
}

export function lastAddress(): Address {
  const saved = readJson<Partial<Address>>(localStorage, ADDRESS_KEY);
  return { name: saved?.name ?? '', phone: saved?.phone ?? '', line: saved?.line ?? '' };
}

export function saveAddress(address: Address): void {
  localStorage.setItem(ADDRESS_KEY, JSON.stringify(address));
}

/** A "buy now" line: shown on the checkout page before any order exists. */
export interface DirectLine {
  sku_id: Id;
  quantity: number;
  product_id: Id;
  title: string;
  sku_name: string;
  unit_price: number;
  image_url: string | null;
  shop_name: string;
}

export type CheckoutIntent = { kind: 'cart'; cart_item_ids: Id[] } | { kind: 'direct'; lines: DirectLine[] };

export function setCheckout(intent: CheckoutIntent): void {
  sessionStorage.setItem(CHECKOUT_KEY, JSON.stringify(intent));
}

export function getCheckout(): CheckoutIntent | null {
  return readJson<CheckoutIntent>(sessionStorage, CHECKOUT_KEY);
}

export function clearCheckout(): void {
  sessionStorage.removeItem(CHECKOUT_KEY);
}

/** The absolute address of a share link (`/#/s/<token>` from the server) to paste anywhere. */
export function absoluteShareUrl(url: string): string {
  return new URL(url, window.location.origin).toString();
}

/** Share tokens in a text: links to `#/s/<token>` (any origin). */
export function shareTokensIn(text: string): string[] {
  return [...text.matchAll(/#\/s\/([A-Za-z0-9_-]{4,64})/g)].map((m) => m[1]);
}
