import { t, type MessageKey } from '../../../core/i18n';
import { REASONS, type Reason } from '../api';

/** The reason of a take-down notice, in the reader's language: the server sends `[reason] note`. */
export function TakedownNotice({ excerpt }: { excerpt: string }) {
  const match = /^\[([a-z_]+)\]\s*(.*)$/s.exec(excerpt);
  const code = match?.[1] as Reason | undefined;
  const reason = code && REASONS.includes(code) ? t(`mod.reason.${code}` as MessageKey) : '';
  const note = match ? match[2] : excerpt;
  return (
    <span class="row-subtitle" data-testid="takedown-reason">
      {t('mod.notice.takenDown', { reason })}
      {note && ` — ${note}`}
    </span>
  );
}
