import type { ComponentChildren } from 'preact';
import { t } from '../i18n';
import { hasInAppHistory, navigate } from '../router';
import { Flash } from './Flash';

interface Props {
  title: string;
  /**
   * Sub-pages get a back button, as in a phone app; tab pages do not. The value is where back leads
   * when the page was opened directly (a link, a reload) and there is no in-app page to return to.
   */
  back?: string;
  /** Buttons at the right end of the top bar (e.g. "new group" on Chats). */
  actions?: ComponentChildren;
  children: ComponentChildren;
}

/** A page: the top bar with its title, the message line, then the content. */
export function Screen({ title, back, actions, children }: Props) {
  return (
    <>
      <header class="top-bar">
        {back !== undefined && (
          <button type="button" class="back" aria-label={t('common.back')} onClick={() => goBack(back)}>
            ‹
          </button>
        )}
        <h1>{title}</h1>
        {actions && <span class="top-bar-actions">{actions}</span>}
      </header>
      <Flash />
      <main class="content">{children}</main>
    </>
  );
}

function goBack(fallback: string): void {
  if (hasInAppHistory()) window.history.back();
  else navigate(fallback);
}
