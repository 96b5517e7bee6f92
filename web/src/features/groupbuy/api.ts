/**
 * Typed client for group buying and bargains (docs/groupbuy.md): group deals and their teams, the
 * merchant's deal console, and "help me cut" bargains. Amounts are integer fen, ids strings. Opening or
 * joining a team and buying a bargain move money: they carry an `Idempotency-Key` (one per user action,
 * see core/idempotency.ts) and the payment PIN.
 */
import { paged, request } from '../../core/http';
import type { Cursor, Id, Page, UserCard } from '../../core/types';
import type { Address, ProductSummary } from '../commerce/api';

export type DealStatus = 'upcoming' | 'active' | 'ended';
export type TeamStatus = 'forming' | 'succeeded' | 'failed';
export type BargainStatus = 'active' | 'bought' | 'expired';

export interface DealStats {
  teams_forming: number;
  teams_succeeded: number;
  teams_failed: number;
  /** Members of succeeded teams (units sold). */
  members_paid: number;
  revenue: number;
}

export interface TeamMember {
  user: UserCard;
  is_leader: boolean;
  joined_at: string;
}

/** The viewer's own place in a team. */
export interface TeamMine {
  joined_at: string;
  order_id: Id | null;
  refunded: boolean;
}

export interface Team {
  id: Id;
  deal_id: Id;
  product: ProductSummary;
  group_price: number;
  leader: UserCard;
  size: number;
  joined_count: number;
  places_left: number;
  status: TeamStatus;
  deadline: string;
  seconds_left: number;
  created_at: string;
  finished_at: string | null;
  members: TeamMember[];
  friends_in_team: number;
  me: TeamMine | null;
}

export interface Deal {
  id: Id;
  merchant_id: Id;
  product: ProductSummary;
  sku_id: Id;
  sku_name: string;
  title: string;
  single_price: number;
  group_price: number;
  team_size: number;
  time_limit_minutes: number;
  initial_stock: number;
  stock: number;
  status: DealStatus;
  starts_at: string;
  ends_at: string;
  seconds_left: number;
  created_at: string;
  open_teams: Team[];
  /** The deal's merchant only. */
  stats: DealStats | null;
}

export interface DealBody {
  sku_id: Id;
  group_price: number;
  team_size: number;
  time_limit_minutes?: number;
  stock: number;
  starts_at?: string;
  ends_at?: string;
}

export interface TeamShare {
  token: string;
  /** The team page with the share token: `/#/teams/<id>?s=<token>`. */
  url: string;
  /** The product's share link (`/#/s/<token>`). */
  share_url: string;
  team: Team;
}

export interface BargainOffer {
  id: Id;
  merchant_id: Id;
  product: ProductSummary;
  sku_id: Id;
  title: string;
  start_price: number;
  floor_price: number;
  max_helpers: number;
  cut_min: number;
  cut_max: number;
  status: 'active' | 'ended';
  created_at: string;
}

export interface OfferBody {
  sku_id: Id;
  start_price?: number;
  floor_price: number;
  max_helpers: number;
  cut_min: number;
  cut_max: number;
}

export interface BargainCut {
  helper: UserCard;
  amount: number;
  price_after: number;
  created_at: string;
}

export interface Bargain {
  id: Id;
  offer_id: Id;
  owner: UserCard;
  product: ProductSummary;
  sku_id: Id;
  start_price: number;
  floor_price: number;
  current_price: number;
  helper_count: number;
  max_helpers: number;
  status: BargainStatus;
  at_floor: boolean;
  /** The viewer owns it, it is at the floor and within its 24 hours. */
  can_buy: boolean;
  expires_at: string;
  seconds_left: number;
  created_at: string;
  bought_at: string | null;
  /** The owner only. */
  order_id: Id | null;
  cuts: BargainCut[];
  /** What the viewer cut, if they did. */
  my_cut: number | null;
}

export interface CutResult {
  amount: number;
  price_after: number;
  bargain: Bargain;
}

// Deals
// A deal takes its stock out of the SKU's: a retry with the same key sets aside nothing twice.
export const createDeal = (body: DealBody, key: string) =>
  request<Deal>('POST', '/deals', { json: body, idempotencyKey: key });
export const listMyDeals = (cursor: Cursor) => request<Page<Deal>>('GET', '/deals', paged(cursor, { mine: 'true' }));
export const getDeal = (id: Id) => request<Deal>('GET', `/deals/${id}`);
export const productDeals = (productId: Id) => request<Deal[]>('GET', `/products/${productId}/deals`);
export const productTeams = (productId: Id) => request<Team[]>('GET', `/products/${productId}/teams`);

// Teams
export const openTeam = (key: string, dealId: Id, body: { pin: string; address: Address }) =>
  request<Team>('POST', `/deals/${dealId}/teams`, { json: body, idempotencyKey: key });
export const joinTeam = (key: string, teamId: Id, body: { pin: string; address: Address }) =>
  request<Team>('POST', `/teams/${teamId}/join`, { json: body, idempotencyKey: key });
export const listMyTeams = (cursor: Cursor) => request<Page<Team>>('GET', '/teams', paged(cursor));
export const getTeam = (id: Id) => request<Team>('GET', `/teams/${id}`);
export const shareTeam = (id: Id) => request<TeamShare>('POST', `/teams/${id}/share`);

// Bargains
export const createOffer = (body: OfferBody) => request<BargainOffer>('POST', '/bargains/offers', { json: body });
export const listMyOffers = (cursor: Cursor) =>
  request<Page<BargainOffer>>('GET', '/bargains/offers', paged(cursor, { mine: 'true' }));
export const productOffers = (productId: Id) =>
  request<Page<BargainOffer>>('GET', '/bargains/offers', paged(null, { product_id: productId }));
export const endOffer = (id: Id) => request<BargainOffer>('POST', `/bargains/offers/${id}/end`);
export const startBargain = (offerId: Id) => request<Bargain>('POST', '/bargains', { json: { offer_id: offerId } });
export const listMyBargains = (cursor: Cursor) => request<Page<Bargain>>('GET', '/bargains', paged(cursor));
export const getBargain = (id: Id) => request<Bargain>('GET', `/bargains/${id}`);
export const cutBargain = (id: Id) => request<CutResult>('POST', `/bargains/${id}/cut`);
export const buyBargain = (key: string, id: Id, body: { pin: string; address: Address }) =>
  request<{ order_id: Id; bargain: Bargain }>('POST', `/bargains/${id}/buy`, { json: body, idempotencyKey: key });
