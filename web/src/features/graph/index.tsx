/** The social graph: contacts, friend requests, follows, blocks, tags, and people's profiles. */
import type { Feature } from '../../core/feature';
import { ContactsPage } from './pages/Contacts';
import { PeopleListPage } from './pages/PeopleList';
import { TagDetailPage } from './pages/TagDetail';
import { TagsPage } from './pages/Tags';
import { UserPage } from './pages/User';
import * as strings from './strings';

export const graph: Feature = {
  strings,
  routes: [
    { pattern: '/contacts', tab: 'contacts', render: () => <ContactsPage /> },
    { pattern: '/contacts/following', tab: 'contacts', render: () => <PeopleListPage kind="following" /> },
    { pattern: '/contacts/followers', tab: 'contacts', render: () => <PeopleListPage kind="followers" /> },
    { pattern: '/contacts/blocked', tab: 'contacts', render: () => <PeopleListPage kind="blocked" /> },
    { pattern: '/contacts/tags', tab: 'contacts', render: () => <TagsPage /> },
    { pattern: '/contacts/tags/:id', tab: 'contacts', render: ({ id }) => <TagDetailPage id={id} /> },
    { pattern: '/users/:id', tab: null, render: ({ id }) => <UserPage id={id} /> },
  ],
};
