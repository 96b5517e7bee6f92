/** Group buying and bargains (docs/groupbuy.md), and the merchant's deal console. */
import type { Feature } from '../../core/feature';
import { BargainPage } from './pages/Bargain';
import { DealPage } from './pages/Deal';
import { MerchantDealsPage } from './pages/MerchantDeals';
import { TeamPage } from './pages/Team';
import * as strings from './strings';
import './styles.css';

export const groupbuy: Feature = {
  strings,
  routes: [
    { pattern: '/merchant/deals', tab: 'me', render: () => <MerchantDealsPage /> },
    { pattern: '/deals/:id', tab: 'shop', render: ({ id }) => <DealPage id={id} /> },
    { pattern: '/teams/:id', tab: 'shop', render: ({ id }) => <TeamPage id={id} /> },
    { pattern: '/bargains/:id', tab: 'shop', render: ({ id }) => <BargainPage id={id} /> },
  ],
};
