/** Moderation (docs/moderation.md): the operators' report queue and sensitive-word list. The report
 * action itself (`components/ReportButton`) sits on posts, comments, profiles and shops. */
import type { Feature } from '../../core/feature';
import { ReportsPage } from './pages/Reports';
import { WordsPage } from './pages/Words';
import * as strings from './strings';
import './styles.css';

export const moderation: Feature = {
  strings,
  routes: [
    { pattern: '/admin/reports', tab: 'me', render: () => <ReportsPage /> },
    { pattern: '/admin/words', tab: 'me', render: () => <WordsPage /> },
  ],
};
