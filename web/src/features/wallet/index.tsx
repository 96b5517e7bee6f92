/** The wallet (docs/wallet.md): balance, cards, PIN, statement, transfers and red packets. */
import type { Feature } from '../../core/feature';
import { WalletPage } from './pages/Wallet';
import { WalletRedPacketPage } from './pages/WalletRedPacket';
import { WalletRedPacketDetailPage } from './pages/WalletRedPacketDetail';
import { WalletTransferPage } from './pages/WalletTransfer';
import { WalletTransferDetailPage } from './pages/WalletTransferDetail';
import * as strings from './strings';
import './styles.css';

export const wallet: Feature = {
  strings,
  routes: [
    { pattern: '/wallet', tab: 'wallet', render: () => <WalletPage /> },
    { pattern: '/wallet/transfer', tab: 'wallet', render: () => <WalletTransferPage /> },
    { pattern: '/wallet/transfer/:userId', tab: 'wallet', render: ({ userId }) => <WalletTransferPage to={userId} /> },
    { pattern: '/wallet/transfers/:id', tab: 'wallet', render: ({ id }) => <WalletTransferDetailPage id={id} /> },
    { pattern: '/wallet/red-packet', tab: 'wallet', render: () => <WalletRedPacketPage /> },
    { pattern: '/wallet/red-packet/:userId', tab: 'wallet', render: ({ userId }) => <WalletRedPacketPage to={userId} /> },
    { pattern: '/wallet/red-packets/:id', tab: 'wallet', render: ({ id }) => <WalletRedPacketDetailPage id={id} /> },
  ],
};
