/** The merchant console, commerce's seller side (pages/Merchant.tsx lists its pages and test ids). */
import type { Feature } from '../../../core/feature';
import { MerchantPage } from './pages/Merchant';
import { MerchantFollowersPage } from './pages/MerchantFollowers';
import { MerchantOrderPage } from './pages/MerchantOrder';
import { MerchantOrdersPage } from './pages/MerchantOrders';
import { MerchantProductPage } from './pages/MerchantProduct';
import { MerchantProductsPage } from './pages/MerchantProducts';
import { MerchantRefundsPage } from './pages/MerchantRefunds';
import { MerchantReviewsPage } from './pages/MerchantReviews';
import { MerchantServicePage } from './pages/MerchantService';
import { MerchantShopPage } from './pages/MerchantShop';
import * as strings from './strings';
import './styles.css';

export const merchant: Feature = {
  strings,
  routes: [
    { pattern: '/merchant', tab: 'me', render: () => <MerchantPage /> },
    { pattern: '/merchant/shop', tab: 'me', render: () => <MerchantShopPage /> },
    { pattern: '/merchant/products', tab: 'me', render: () => <MerchantProductsPage /> },
    { pattern: '/merchant/products/new', tab: 'me', render: () => <MerchantProductPage /> },
    { pattern: '/merchant/products/:id', tab: 'me', render: ({ id }) => <MerchantProductPage id={id} /> },
    { pattern: '/merchant/orders', tab: 'me', render: () => <MerchantOrdersPage /> },
    { pattern: '/merchant/orders/:id', tab: 'me', render: ({ id }) => <MerchantOrderPage id={id} /> },
    { pattern: '/merchant/refunds', tab: 'me', render: () => <MerchantRefundsPage /> },
    { pattern: '/merchant/reviews', tab: 'me', render: () => <MerchantReviewsPage /> },
    { pattern: '/merchant/service', tab: 'me', render: () => <MerchantServicePage /> },
    { pattern: '/merchant/followers', tab: 'me', render: () => <MerchantFollowersPage /> },
  ],
};
