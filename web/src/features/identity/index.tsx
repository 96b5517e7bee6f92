/** Accounts: the Me page (profile, privacy, password, devices). Log-in and sign-up are shown by the app while signed out. */
import type { Feature } from '../../core/feature';
import { MePage } from './pages/Me';
import * as strings from './strings';

export const identity: Feature = {
  strings,
  routes: [
    { pattern: '/me', tab: 'me', render: () => <MePage /> },
  ],
};
