import { t } from '../i18n';

/** Placeholder content for a feature the server does not offer yet. */
export function ComingSoon() {
  return (
    <div class="coming-soon">
      <div class="coming-soon-mark" aria-hidden="true">
        ◌
      </div>
      <p>{t('comingSoon.title')}</p>
      <p class="muted">{t('comingSoon.body')}</p>
    </div>
  );
}
