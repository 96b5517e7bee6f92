/** The feed (docs/feed.md): Discover, Moments, public posts, topics, search and notifications. */
import type { Feature } from '../../core/feature';
import { DiscoverPage } from './pages/Discover';
import { HomePage } from './pages/Home';
import { MomentsPage } from './pages/Moments';
import { NotificationsPage } from './pages/Notifications';
import { PostDetailPage } from './pages/PostDetail';
import { ProfilePostsPage } from './pages/ProfilePosts';
import { SearchPage } from './pages/Search';
import { TopicPage } from './pages/Topic';
import * as strings from './strings';
import './styles.css';

export const feed: Feature = {
  strings,
  routes: [
    { pattern: '/discover', tab: 'discover', render: () => <DiscoverPage /> },
    { pattern: '/moments', tab: 'discover', render: () => <MomentsPage /> },
    { pattern: '/feed', tab: 'discover', render: () => <HomePage /> },
    { pattern: '/posts/:id', tab: 'discover', render: ({ id }) => <PostDetailPage id={id} /> },
    { pattern: '/topics/:name', tab: 'discover', render: ({ name }) => <TopicPage name={name} /> },
    { pattern: '/search/:q', tab: 'discover', render: ({ q }) => <SearchPage q={q} /> },
    { pattern: '/notifications', tab: 'discover', render: () => <NotificationsPage /> },
    { pattern: '/users/:id/posts', tab: null, render: ({ id }) => <ProfilePostsPage id={id} /> },
  ],
};
