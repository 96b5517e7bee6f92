/** The audit log for operators (docs/audit.md). */
import type { Feature } from '../../core/feature';
import { AuditLogPage } from './pages/AuditLog';
import * as strings from './strings';
import './styles.css';

export const audit: Feature = {
  strings,
  routes: [{ pattern: '/audit', tab: 'me', render: () => <AuditLogPage /> }],
};
