import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { getMe } from './api';
import { TabBar, type Tab } from './components/TabBar';
import { showError } from './flash';
import { lang } from './i18n';
import { ChatPage } from './pages/Chat';
import { ChatSettingsPage } from './pages/ChatSettings';
import { ChatsPage } from './pages/Chats';
import { ContactsPage } from './pages/Contacts';
import { DiscoverPage } from './pages/Discover';
import { Login } from './pages/Login';
import { MePage } from './pages/Me';
import { NewGroupPage } from './pages/NewGroup';
import { PeopleListPage } from './pages/PeopleList';
import { Signup } from './pages/Signup';
import { TagDetailPage } from './pages/TagDetail';
import { TagsPage } from './pages/Tags';
import { UserPage } from './pages/User';
import { WalletPage } from './pages/Wallet';
import { WalletRedPacketPage } from './pages/WalletRedPacket';
import { WalletRedPacketDetailPage } from './pages/WalletRedPacketDetail';
import { WalletTransferPage } from './pages/WalletTransfer';
import { WalletTransferDetailPage } from './pages/WalletTransferDetail';
import { HomePage } from './pages/Home';
import { MomentsPage } from './pages/Moments';
import { NotificationsPage } from './pages/Notifications';
import { PostDetailPage } from './pages/PostDetail';
import { ProfilePostsPage } from './pages/ProfilePosts';
import { SearchPage } from './pages/Search';
import { TopicPage } from './pages/Topic';
import { CartPage } from './pages/Cart';
import { CheckoutPage } from './pages/Checkout';
import { OrderDetailPage } from './pages/OrderDetail';
import { OrdersPage } from './pages/Orders';
import { ProductPage } from './pages/Product';
import { ReviewComposePage } from './pages/ReviewCompose';
import { ShareOpenPage } from './pages/ShareOpen';
import { ShopPage } from './pages/Shop';
import { ShopDetailPage } from './pages/ShopDetail';
import { MerchantPage } from './pages/Merchant';
import { MerchantFollowersPage } from './pages/MerchantFollowers';
import { BargainPage } from './pages/Bargain';
import { DealPage } from './pages/Deal';
import { MerchantDealsPage } from './pages/MerchantDeals';
import { TeamPage } from './pages/Team';
import { MerchantOrderPage } from './pages/MerchantOrder';
import { MerchantOrdersPage } from './pages/MerchantOrders';
import { MerchantProductPage } from './pages/MerchantProduct';
import { MerchantProductsPage } from './pages/MerchantProducts';
import { MerchantRefundsPage } from './pages/MerchantRefunds';
import { MerchantReviewsPage } from './pages/MerchantReviews';
import { MerchantServicePage } from './pages/MerchantService';
import { MerchantShopPage } from './pages/MerchantShop';
import { matchRoute, navigate, revisits, route } from './router';
import { currentUser, token } from './session';
import { useStore } from './store';

const HOME = '/chats';

interface Route {
  pattern: string;
  /** The tab highlighted while this page is open. */
  tab: Tab | null;
  render: (params: Record<string, string>) => JSX.Element;
}

const routes: Route[] = [
  { pattern: '/chats', tab: 'chats', render: () => <ChatsPage /> },
  { pattern: '/chats/new-group', tab: 'chats', render: () => <NewGroupPage /> },
  { pattern: '/chats/:id', tab: 'chats', render: ({ id }) => <ChatPage id={id} /> },
  { pattern: '/chats/:id/settings', tab: 'chats', render: ({ id }) => <ChatSettingsPage id={id} /> },
  { pattern: '/contacts', tab: 'contacts', render: () => <ContactsPage /> },
  { pattern: '/contacts/following', tab: 'contacts', render: () => <PeopleListPage kind="following" /> },
  { pattern: '/contacts/followers', tab: 'contacts', render: () => <PeopleListPage kind="followers" /> },
  { pattern: '/contacts/blocked', tab: 'contacts', render: () => <PeopleListPage kind="blocked" /> },
  { pattern: '/contacts/tags', tab: 'contacts', render: () => <TagsPage /> },
  { pattern: '/contacts/tags/:id', tab: 'contacts', render: ({ id }) => <TagDetailPage id={id} /> },
  { pattern: '/discover', tab: 'discover', render: () => <DiscoverPage /> },
  { pattern: '/moments', tab: 'discover', render: () => <MomentsPage /> },
  { pattern: '/feed', tab: 'discover', render: () => <HomePage /> },
  { pattern: '/posts/:id', tab: 'discover', render: ({ id }) => <PostDetailPage id={id} /> },
  { pattern: '/topics/:name', tab: 'discover', render: ({ name }) => <TopicPage name={name} /> },
  { pattern: '/search/:q', tab: 'discover', render: ({ q }) => <SearchPage q={q} /> },
  { pattern: '/notifications', tab: 'discover', render: () => <NotificationsPage /> },
  { pattern: '/shop', tab: 'shop', render: () => <ShopPage /> },
  { pattern: '/shops/:id', tab: 'shop', render: ({ id }) => <ShopDetailPage id={id} /> },
  { pattern: '/p/:id', tab: 'shop', render: ({ id }) => <ProductPage id={id} /> },
  { pattern: '/s/:token', tab: 'shop', render: ({ token }) => <ShareOpenPage token={token} /> },
  { pattern: '/cart', tab: 'shop', render: () => <CartPage /> },
  { pattern: '/checkout', tab: 'shop', render: () => <CheckoutPage /> },
  { pattern: '/orders', tab: 'shop', render: () => <OrdersPage /> },
  { pattern: '/orders/:id', tab: 'shop', render: ({ id }) => <OrderDetailPage id={id} /> },
  { pattern: '/orders/:orderId/review/:itemId', tab: 'shop', render: ({ orderId, itemId }) => <ReviewComposePage orderId={orderId} itemId={itemId} /> },
  { pattern: '/wallet', tab: 'wallet', render: () => <WalletPage /> },
  { pattern: '/wallet/transfer', tab: 'wallet', render: () => <WalletTransferPage /> },
  { pattern: '/wallet/transfer/:userId', tab: 'wallet', render: ({ userId }) => <WalletTransferPage to={userId} /> },
  { pattern: '/wallet/transfers/:id', tab: 'wallet', render: ({ id }) => <WalletTransferDetailPage id={id} /> },
  { pattern: '/wallet/red-packet', tab: 'wallet', render: () => <WalletRedPacketPage /> },
  { pattern: '/wallet/red-packet/:userId', tab: 'wallet', render: ({ userId }) => <WalletRedPacketPage to={userId} /> },
  { pattern: '/wallet/red-packets/:id', tab: 'wallet', render: ({ id }) => <WalletRedPacketDetailPage id={id} /> },
  { pattern: '/me', tab: 'me', render: () => <MePage /> },
  // The merchant console (pages/Merchant.tsx lists its pages and test ids).
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
  { pattern: '/merchant/deals', tab: 'me', render: () => <MerchantDealsPage /> },
  // Group buying and bargains (docs/groupbuy.md).
  { pattern: '/deals/:id', tab: 'shop', render: ({ id }) => <DealPage id={id} /> },
  { pattern: '/teams/:id', tab: 'shop', render: ({ id }) => <TeamPage id={id} /> },
  { pattern: '/bargains/:id', tab: 'shop', render: ({ id }) => <BargainPage id={id} /> },
  { pattern: '/users/:id', tab: null, render: ({ id }) => <UserPage id={id} /> },
  { pattern: '/users/:id/posts', tab: null, render: ({ id }) => <ProfilePostsPage id={id} /> },
];

function findRoute(path: string): { route: Route; params: Record<string, string> } | null {
  for (const candidate of routes) {
    const params = matchRoute(candidate.pattern, path);
    if (params) return { route: candidate, params };
  }
  return null;
}

export function App() {
  // Reading the language here re-renders the whole tree when it changes, so every t() call follows.
  useStore(lang);
  const signedIn = useStore(token) !== null;
  const path = useStore(route);
  const revisit = useStore(revisits);

  // The token survives a reload but the user does not: fetch who we are.
  useEffect(() => {
    if (signedIn && !currentUser.get()) getMe().then((me) => currentUser.set(me), showError);
  }, [signedIn]);

  const found = signedIn ? findRoute(path) : null;
  // Signed in on the login page or an unknown path: go home. (Signed out, any path shows login.)
  useEffect(() => {
    if (signedIn && !found) navigate(HOME);
  }, [signedIn, found === null]);

  if (!signedIn) return <div class="app">{path === '/signup' ? <Signup /> : <Login />}</div>;
  return (
    <div class="app">
      {/* A new key mounts a fresh page: moving between two users' pages never shows the previous one's
          data, and tapping the current tab reloads it. */}
      <div class="page" key={`${path}#${revisit}`}>
        {found?.route.render(found.params)}
      </div>
      <TabBar active={found?.route.tab ?? null} />
    </div>
  );
}
