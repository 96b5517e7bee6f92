import { useState } from 'preact/hooks';
import { useAction } from '../../../core/flash';
import { t, type MessageKey } from '../../../core/i18n';
import type { Id } from '../../../core/types';
import { fileReport, REASONS, type Reason, type TargetKind } from '../api';

/** "举报 / Report" on a post, comment, profile or shop: a reason and an optional note. */
export function ReportButton({ kind, id, small = true }: { kind: TargetKind; id: Id; small?: boolean }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<Reason>('spam');
  const [note, setNote] = useState('');
  const [busy, run] = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    if (await run(() => fileReport(kind, id, reason, note.trim()), t('mod.reported'))) {
      setOpen(false);
      setNote('');
    }
  };
  return (
    <>
      <button
        type="button"
        class={small ? 'link-button report-button' : 'report-button'}
        data-testid={`report-${kind}`}
        onClick={() => setOpen(!open)}
      >
        {t('mod.report')}
      </button>
      {open && (
        <form class="card report-form" data-testid="report-form" onSubmit={submit}>
          <p class="report-title">{t('mod.reportTitle')}</p>
          <select
            data-testid="report-reason"
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value as Reason)}
          >
            {REASONS.map((r) => (
              <option key={r} value={r}>
                {t(`mod.reason.${r}` as MessageKey)}
              </option>
            ))}
          </select>
          <input
            data-testid="report-note"
            value={note}
            maxLength={500}
            placeholder={t('mod.reportNote')}
            onInput={(e) => setNote(e.currentTarget.value)}
          />
          <div class="button-row">
            <button type="button" class="small" onClick={() => setOpen(false)}>
              {t('mod.reportCancel')}
            </button>
            <button type="submit" class="primary small" data-testid="report-submit" disabled={busy}>
              {t('mod.reportSend')}
            </button>
          </div>
        </form>
      )}
    </>
  );
}
