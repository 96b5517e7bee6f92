/** Shopping (docs/commerce.md): shops and products, share links, the cart, checkout, orders and reviews. */
import type { Feature } from '../../core/feature';
import { CartPage } from './pages/Cart';
import { CheckoutPage } from './pages/Checkout';
import { OrderDetailPage } from './pages/OrderDetail';
import { OrdersPage } from './pages/Orders';
import { ProductPage } from './pages/Product';
import { ReviewComposePage } from './pages/ReviewCompose';
import { ShareOpenPage } from './pages/ShareOpen';
import { ShopPage } from './pages/Shop';
import { ShopDetailPage } from './pages/ShopDetail';
import * as strings from './strings';
import './styles.css';

export const commerce: Feature = {
  strings,
  routes: [
    { pattern: '/shop', tab: 'shop', render: () => <ShopPage /> },
    { pattern: '/shops/:id', tab: 'shop', render: ({ id }) => <ShopDetailPage id={id} /> },
    { pattern: '/p/:id', tab: 'shop', render: ({ id }) => <ProductPage id={id} /> },
    { pattern: '/s/:token', tab: 'shop', render: ({ token }) => <ShareOpenPage token={token} /> },
    { pattern: '/cart', tab: 'shop', render: () => <CartPage /> },
    { pattern: '/checkout', tab: 'shop', render: () => <CheckoutPage /> },
    { pattern: '/orders', tab: 'shop', render: () => <OrdersPage /> },
    { pattern: '/orders/:id', tab: 'shop', render: ({ id }) => <OrderDetailPage id={id} /> },
    { pattern: '/orders/:orderId/review/:itemId', tab: 'shop', render: ({ orderId, itemId }) => <ReviewComposePage orderId={orderId} itemId={itemId} /> },
  ],
};
