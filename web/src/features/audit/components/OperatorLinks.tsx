import { t } from '../../../core/i18n';
import { href } from '../../../core/router';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';

/** On the Me page, for operators only: their tools (the audit log). */
export function OperatorLinks() {
  const me = useStore(currentUser);
  if (!me?.is_operator) return null;
  return (
    <section class="card menu" data-testid="me-operator-links">
      <h3>{t('audit.menuTitle')}</h3>
      <a class="menu-item" href={href('/audit')} data-testid="me-audit-log">
        {t('audit.menu')} <span class="chevron">›</span>
      </a>
    </section>
  );
}
