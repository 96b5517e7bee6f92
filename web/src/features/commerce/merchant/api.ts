/**
 * Typed client for the merchant console: the shop's profile and categories, products and SKUs, orders to
 * ship, refunds, reviews to answer, followers and broadcasts (docs/commerce.md), and the customer-service
 * inbox (docs/customer-service.md). Every amount is an integer number of fen; ids are strings.
 */
import { fileForm, request } from '../../../core/http';
import type { Cursor, Id, Page, UserCard } from '../../../core/types';
import type { Message } from '../../chat/api';
import type { Address, Category, OrderItem, OrderStatus, ProductStatus, Shop } from '../api';

// The shapes and reads the console shares with the shop pages.
export type { Address, Category, OrderItem, OrderStatus, ProductStatus, Shop } from '../api';
export { getOrder, getShop, listCategories } from '../api';

// --- shop ----------------------------------------------------------------------------------------

export const saveShop = (body: { name: string; intro: string }) => request<Shop>('PUT', '/shops/me', { json: body });

export const createCategory = (name: string) => request<Category>('POST', '/shops/me/categories', { json: { name } });
export const updateCategory = (id: Id, body: { name?: string; position?: number }) =>
  request<Category>('PATCH', `/shops/me/categories/${id}`, { json: body });
export const deleteCategory = (id: Id) => request<void>('DELETE', `/shops/me/categories/${id}`);

// --- products ------------------------------------------------------------------------------------

export interface ImageRef {
  key: string;
  url: string;
  thumb_url: string | null;
}

export interface Sku {
  id: Id;
  name: string;
  price: number;
  stock: number;
  active: boolean;
  /** Units one buyer may hold across their orders that are not cancelled; null: no limit. */
  per_buyer_limit: number | null;
}

export interface Product {
  id: Id;
  shop: { id: Id; name: string; avatar_url: string | null; verified: boolean };
  title: string;
  description: string;
  category_id: Id | null;
  status: ProductStatus;
  images: ImageRef[];
  price_min: number | null;
  sales_count: number;
  skus: Sku[];
  created_at: string;
}

export interface NewSku {
  name: string;
  price: number;
  stock: number;
}

export interface ProductBody {
  title: string;
  description: string;
  category_id: Id | null;
  image_keys: string[];
}

/** The shop's products; the owner sees drafts and archived ones by asking for that status. */
export const listProducts = (shopId: Id, status: ProductStatus, cursor: Cursor) =>
  request<Page<Product>>('GET', `/shops/${shopId}/products`, {
    query: { status: status === 'active' ? null : status, cursor },
  });
export const getProduct = (id: Id) => request<Product>('GET', `/products/${id}`);
/** A new product: `active` sells at once, `draft` prepares it unseen. */
export const createProduct = (body: ProductBody & { skus: NewSku[]; status: 'draft' | 'active' }) =>
  request<Product>('POST', '/products', { json: body });
export const updateProduct = (id: Id, body: Partial<ProductBody> & { status?: ProductStatus }) =>
  request<Product>('PATCH', `/products/${id}`, { json: body });
export const uploadProductImage = (file: File) => request<ImageRef>('POST', '/products/images', { form: fileForm(file) });
export const addSku = (productId: Id, body: NewSku) => request<Sku>('POST', `/products/${productId}/skus`, { json: body });
export const updateSku = (
  id: Id,
  body: { name?: string; price?: number; active?: boolean; per_buyer_limit?: number | null },
) =>
  request<Sku>('PATCH', `/skus/${id}`, { json: body });
/** Restock (positive) or take out of stock (negative); the stock never goes below 0 (409). */
export const adjustStock = (id: Id, delta: number, key: string) =>
  request<Sku>('POST', `/skus/${id}/stock`, { json: { delta }, idempotencyKey: key });

// --- orders and refunds --------------------------------------------------------------------------

export interface Buyer {
  id: Id;
  username: string | null;
  display_name: string;
  avatar_url: string | null;
}

export type RefundStatus = 'requested' | 'approved' | 'refused';

export interface RefundBrief {
  id: Id;
  status: RefundStatus;
  amount: number;
  reason: string;
  merchant_note: string | null;
}

export interface Order {
  id: Id;
  buyer: Buyer;
  shop: { id: Id; name: string };
  status: OrderStatus;
  total: number;
  refunded_amount: number;
  items: OrderItem[];
  address: Address | null;
  note: string | null;
  carrier: string | null;
  tracking_number: string | null;
  attribution_chain: Id[];
  pay_deadline: string | null;
  auto_complete_at: string | null;
  created_at: string;
  paid_at: string | null;
  shipped_at: string | null;
  delivered_at: string | null;
  completed_at: string | null;
  cancelled_at: string | null;
  cancel_reason: string | null;
  refund: RefundBrief | null;
}

export interface Refund extends RefundBrief {
  order_id: Id;
  buyer_id: Id;
  shop_id: Id;
  created_at: string;
  decided_at: string | null;
}

export const listShopOrders = (status: OrderStatus | null, cursor: Cursor) =>
  request<Page<Order>>('GET', '/orders', { query: { role: 'merchant', status, cursor } });
export const shipOrder = (id: Id, body: { carrier: string; tracking_number: string }) =>
  request<Order>('POST', `/orders/${id}/ship`, { json: body });
export const markDelivered = (id: Id) => request<Order>('POST', `/orders/${id}/deliver`);

export const listShopRefunds = (status: RefundStatus | null, cursor: Cursor) =>
  request<Page<Refund>>('GET', '/refunds', { query: { role: 'merchant', status, cursor } });
export const approveRefund = (key: string, id: Id) =>
  request<Refund>('POST', `/refunds/${id}/approve`, { idempotencyKey: key });
export const refuseRefund = (id: Id, note: string) => request<Refund>('POST', `/refunds/${id}/refuse`, { json: { note } });

// --- reviews -------------------------------------------------------------------------------------

export interface ReviewPhoto {
  url: string;
  thumb_url: string | null;
}

/** A review as the merchant console shows it; fields beyond these are ignored. */
export interface Review {
  id: Id;
  product_id: Id;
  sku_name?: string;
  author?: Buyer | null;
  rating: number;
  text: string;
  photos?: ReviewPhoto[];
  reply?: { text: string; created_at?: string } | null;
  follow_up?: { text: string } | null;
  created_at: string;
}

export const listShopReviews = (unanswered: boolean, cursor: Cursor) =>
  request<Page<Review>>('GET', '/shops/me/reviews', { query: { unanswered: unanswered ? 'true' : null, cursor } });
export const replyToReview = (id: Id, text: string) => request<Review>('POST', `/reviews/${id}/reply`, { json: { text } });

// --- followers and broadcasts --------------------------------------------------------------------

export interface Follower {
  id: Id;
  username: string | null;
  display_name: string;
  avatar_url: string | null;
}

export interface Broadcast {
  id: Id;
  title: string;
  body: string;
  created_at: string;
}

export const listShopFollowers = (cursor: Cursor) => request<Page<Follower>>('GET', '/shops/me/followers', { query: { cursor } });
export const sendBroadcast = (body: { title: string; body: string }) =>
  request<Broadcast>('POST', '/shops/me/broadcasts', { json: body });
export const listBroadcasts = (shopId: Id, cursor: Cursor) =>
  request<Page<Broadcast>>('GET', `/shops/${shopId}/broadcasts`, { query: { cursor } });

/** A user's name, for the attribution chain. */
export const getUserName = (id: Id) =>
  request<{ id: Id; display_name: string; username: string | null }>('GET', `/users/${id}`);

// --- customer service (docs/customer-service.md) ----------------------------------------------------

export type StaffRole = 'agent' | 'admin';

export interface Workplace {
  merchant: UserCard;
  role: 'owner' | StaffRole;
}

export interface ServiceWindow {
  state: 'paid' | 'reply' | 'closed';
  until: string | null;
  replies_left: number | null;
}

export interface ServiceConversation {
  chat_id: Id;
  merchant_id: Id;
  customer: UserCard;
  assignee: UserCard | null;
  unread_count: number;
  read_seq: number;
  last_seq: number;
  last_message: Message | null;
  last_customer_message_at: string | null;
  window: ServiceWindow;
  created_at: string;
  updated_at: string;
}

export interface StaffMember {
  user: UserCard;
  role: StaffRole;
  added_at: string;
}

export type InboxFilter = 'mine' | 'unassigned' | 'all';

export const listWorkplaces = () => request<Workplace[]>('GET', '/service/workplaces');
export const listInbox = (merchantId: Id, filter: InboxFilter, cursor: Cursor) =>
  request<Page<ServiceConversation>>('GET', '/service/inbox', { query: { merchant_id: merchantId, filter, cursor } });
export const getConversation = (chatId: Id) => request<ServiceConversation>('GET', `/service/conversations/${chatId}`);
export const claimConversation = (chatId: Id) =>
  request<ServiceConversation>('POST', `/service/conversations/${chatId}/claim`);
export const transferConversation = (chatId: Id, toUserId: Id) =>
  request<ServiceConversation>('POST', `/service/conversations/${chatId}/transfer`, { json: { to_user_id: toUserId } });
export const listStaff = () => request<StaffMember[]>('GET', '/service/staff');
export const addStaff = (username: string, role: StaffRole) =>
  request<StaffMember>('POST', '/service/staff', { json: { username, role } });
export const removeStaff = (userId: Id) => request<void>('DELETE', `/service/staff/${userId}`);
