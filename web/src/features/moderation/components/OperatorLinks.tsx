import { t } from '../../../core/i18n';
import { href } from '../../../core/router';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';

/** On the Me page, for operators only: the report queue and the sensitive-word list. */
export function OperatorLinks() {
  const me = useStore(currentUser);
  if (!me?.is_operator) return null;
  return (
    <section class="card menu" data-testid="operator-links">
      <h3>{t('mod.console')}</h3>
      <a class="menu-item" href={href('/admin/reports')} data-testid="admin-reports-link">
        {t('mod.queue')} <span class="chevron">›</span>
      </a>
      <a class="menu-item" href={href('/admin/words')} data-testid="admin-words-link">
        {t('mod.words')} <span class="chevron">›</span>
      </a>
    </section>
  );
}
