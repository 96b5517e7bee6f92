import { lang, setLang, t } from '../i18n';

/** Switches between Chinese and English; the choice is remembered on this device. */
export function LangToggle() {
  return (
    <button
      type="button"
      class="lang-toggle"
      data-testid="lang-toggle"
      onClick={() => setLang(lang.get() === 'zh' ? 'en' : 'zh')}
    >
      {t('lang.switchTo')}
    </button>
  );
}
