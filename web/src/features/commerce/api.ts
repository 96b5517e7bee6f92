/**
 * Typed client for the consumer side of commerce (docs/commerce.md): shops and products, search,
 * followed shops' broadcasts, the cart, orders and refunds, reviews, and share links. Every amount is
 * an integer number of fen. Order creation and payment carry an `Idempotency-Key` (one per user action,
 * see core/idempotency.ts).
 */
import { fileForm, paged, request } from '../../core/http';
import type { Cursor, Id, Page, UserCard } from '../../core/types';
import type { Chat } from '../chat/api';

export interface ShopRef {
  id: Id;
  name: string;
  avatar_url?: string | null;
  verified?: boolean;
}

export interface Shop {
  id: Id;
  name: string;
  intro: string;
  avatar_url: string | null;
  verified: boolean;
  follower_count: number;
  product_count: number;
  following: boolean;
}

export interface Category {
  id: Id;
  name: string;
  position: number;
}

export interface ProductImage {
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
}

export type ProductStatus = 'draft' | 'active' | 'archived';

export interface Product {
  id: Id;
  shop: ShopRef;
  title: string;
  description: string;
  category_id: Id | null;
  status: ProductStatus;
  images: ProductImage[];
  price_min: number;
  sales_count: number;
  skus: Sku[];
  created_at: string;
}

/** The small form of a product used on cards (share links, chat cards). */
export interface ProductSummary {
  id: Id;
  shop_id: Id;
  title: string;
  price_min: number;
  image_url: string | null;
  status: ProductStatus;
}

export interface Broadcast {
  id: Id;
  shop: ShopRef;
  title: string;
  body: string;
  created_at: string;
}

export interface CartLine {
  id: Id;
  sku_id: Id;
  product_id: Id;
  title: string;
  sku_name: string;
  unit_price: number;
  quantity: number;
  image_url: string | null;
  stock: number;
  available: boolean;
}

export interface Cart {
  shops: { shop: ShopRef; items: CartLine[] }[];
  total: number;
}

export interface Address {
  name: string;
  phone: string;
  line: string;
}

export type OrderStatus = 'pending_payment' | 'paid' | 'shipped' | 'delivered' | 'completed' | 'cancelled';

export interface OrderItem {
  id: Id;
  product_id: Id;
  sku_id: Id;
  title: string;
  sku_name: string;
  unit_price: number;
  quantity: number;
  image_url: string | null;
  reviewed: boolean;
}

export interface Refund {
  id: Id;
  status: 'requested' | 'approved' | 'refused';
  amount: number;
  reason: string;
  merchant_note: string;
}

export interface Order {
  id: Id;
  buyer: UserCard;
  shop: ShopRef;
  status: OrderStatus;
  total: number;
  refunded_amount: number;
  items: OrderItem[];
  address: Address;
  note: string;
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
  refund: Refund | null;
}

export interface ReviewPhoto {
  key?: string;
  url: string;
  thumb_url: string | null;
}

export interface Review {
  id: Id;
  product_id: Id;
  order_item_id: Id;
  author: UserCard;
  rating: number;
  text: string;
  photos: ReviewPhoto[];
  sku_name: string;
  relation: 'friend' | 'kol' | null;
  helpful_count: number;
  viewer_found_helpful: boolean;
  follow_up?: { text: string; photos?: ReviewPhoto[]; created_at: string } | null;
  reply?: { text: string; created_at: string } | null;
  created_at: string;
}

export interface ReviewSummary {
  count: number;
  average: number | null;
  histogram: Record<string, number>;
  photo_count: number;
  photos: { url: string; thumb_url: string | null }[];
}

export interface Upload {
  key: string;
  url: string;
  thumb_url: string | null;
}

export type ShareChannel = 'chat' | 'moment' | 'post' | 'team' | 'link';

export interface ShareLink {
  token: string;
  url: string;
  product: ProductSummary;
}

export interface ShareOpened {
  token: string;
  product: ProductSummary;
  sharer: { id: Id; username: string | null; display_name: string };
}

// Shops and catalog
export const listShops = (q: string, cursor: Cursor) => request<Page<Shop>>('GET', '/shops', paged(cursor, { q }));
export const getShop = (id: Id) => request<Shop>('GET', `/shops/${id}`);
export const followShop = (id: Id) => request<unknown>('POST', `/shops/${id}/follow`);
export const unfollowShop = (id: Id) => request<unknown>('DELETE', `/shops/${id}/follow`);
export const listCategories = (shopId: Id) => request<Category[]>('GET', `/shops/${shopId}/categories`);
export const listShopProducts = (shopId: Id, categoryId: Id | null, cursor: Cursor) =>
  request<Page<Product>>('GET', `/shops/${shopId}/products`, paged(cursor, { category_id: categoryId ?? undefined }));
export const getProduct = (id: Id) => request<Product>('GET', `/products/${id}`);
export const searchProducts = (q: string, cursor: Cursor) => request<Page<Product>>('GET', '/products/search', paged(cursor, { q }));
export const listShopBroadcasts = (shopId: Id, cursor: Cursor) =>
  request<Page<Broadcast>>('GET', `/shops/${shopId}/broadcasts`, paged(cursor));
export const subscriptionFeed = (cursor: Cursor) => request<Page<Broadcast>>('GET', '/subscriptions/feed', paged(cursor));

// Cart
export const getCart = () => request<Cart>('GET', '/cart');
export const addToCart = (body: { sku_id: Id; quantity: number; share_token?: string }) =>
  request<Cart>('POST', '/cart/items', { json: body });
export const setCartQuantity = (id: Id, quantity: number) => request<Cart>('PATCH', `/cart/items/${id}`, { json: { quantity } });
export const removeCartLine = (id: Id) => request<Cart>('DELETE', `/cart/items/${id}`);

// Orders
export interface OrderBody {
  items?: { sku_id: Id; quantity: number }[];
  cart_item_ids?: Id[];
  address: Address;
  note?: string;
}

export const createOrders = (key: string, body: OrderBody) =>
  request<{ orders: Order[] }>('POST', '/orders', { json: body, idempotencyKey: key });
export const payOrder = (key: string, id: Id, pin: string) =>
  request<Order>('POST', `/orders/${id}/pay`, { json: { pin }, idempotencyKey: key });
// Cancelling releases stock and confirming releases escrow: both carry the action's idempotency key.
export const cancelOrder = (id: Id, key: string) =>
  request<Order>('POST', `/orders/${id}/cancel`, { idempotencyKey: key });
export const confirmOrder = (id: Id, key: string) =>
  request<Order>('POST', `/orders/${id}/confirm`, { idempotencyKey: key });
export const listOrders = (status: OrderStatus | null, cursor: Cursor) =>
  request<Page<Order>>('GET', '/orders', paged(cursor, { role: 'buyer', status: status ?? undefined }));
export const getOrder = (id: Id) => request<Order>('GET', `/orders/${id}`);
export const requestRefund = (id: Id, body: { amount: number; reason: string }) =>
  request<Refund>('POST', `/orders/${id}/refund`, { json: body });

// Reviews
export const uploadReviewImage = (file: File) => request<Upload>('POST', '/reviews/images', { form: fileForm(file) });
export const writeReview = (orderItemId: Id, body: { rating: number; text: string; photo_keys: string[] }) =>
  request<Review>('POST', `/order-items/${orderItemId}/review`, { json: body });
export const followUpReview = (id: Id, body: { text: string; photo_keys?: string[] }) =>
  request<Review>('POST', `/reviews/${id}/follow-up`, { json: body });
export const markHelpful = (id: Id) => request<Review>('POST', `/reviews/${id}/helpful`);
export const unmarkHelpful = (id: Id) => request<Review>('DELETE', `/reviews/${id}/helpful`);
export const listReviews = (productId: Id, withPhotos: boolean, cursor: Cursor) =>
  request<Page<Review>>('GET', `/products/${productId}/reviews`, paged(cursor, { with_photos: withPhotos ? 'true' : undefined }));
export const reviewSummary = (productId: Id) => request<ReviewSummary>('GET', `/products/${productId}/reviews/summary`);

// Share links
export const createShare = (body: { product_id: Id; channel: ShareChannel; via_token?: string }) =>
  request<ShareLink>('POST', '/shares', { json: body });
export const openShare = (token: string) => request<ShareOpened>('POST', `/shares/${encodeURIComponent(token)}/open`);

// Customer service (docs/customer-service.md)
export const openServiceChat = (merchantId: Id) => request<Chat>('POST', `/service/${merchantId}/conversation`);
