import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { useAction } from '../../../core/flash';
import { formatTime, t, type MessageKey } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { href } from '../../../core/router';
import { actOnReport, listReports, STATUSES, type OperatorAction, type Report, type ReportStatus, type TargetKind } from '../api';

const KINDS: TargetKind[] = ['post', 'comment', 'user', 'shop'];

/** The operators' queue (MOD-2): reports by status and kind, newest first, and what to do with each. */
export function ReportsPage() {
  const [status, setStatus] = useState<ReportStatus | 'all'>('open');
  const [kind, setKind] = useState<TargetKind | ''>('');
  const list = usePaged((cursor) => listReports(cursor, status, kind), [status, kind]);
  return (
    <Screen title={t('mod.queue')} back="/me">
      <section class="card button-row mod-filters">
        <label>
          {t('mod.filterStatus')}{' '}
          <select data-testid="queue-status" value={status} onChange={(e) => setStatus(e.currentTarget.value as ReportStatus | 'all')}>
            {[...STATUSES, 'all' as const].map((s) => (
              <option key={s} value={s}>
                {t(`mod.status.${s}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('mod.filterKind')}{' '}
          <select data-testid="queue-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as TargetKind | '')}>
            <option value="">{t('mod.allKinds')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`mod.kind.${k}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
      </section>
      <div class="list-block">
        <ul class="list" data-testid="report-queue">
          {list.items.map((report) => (
            <ReportRow key={report.id} report={report} onDone={list.reload} />
          ))}
        </ul>
        {list.items.length === 0 && !list.loading && <p class="empty">{t('mod.queueEmpty')}</p>}
        {list.hasMore && (
          <button type="button" class="link-button load-more" disabled={list.loading} onClick={list.loadMore}>
            {t('common.loadMore')}
          </button>
        )}
      </div>
    </Screen>
  );
}

function targetLink(report: Report): string | null {
  if (report.target_kind === 'post') return href(`/posts/${report.target_id}`);
  if (report.target_kind === 'user') return href(`/users/${report.target_id}`);
  if (report.target_kind === 'shop') return href(`/shops/${report.target_id}`);
  return null;
}

function ReportRow({ report, onDone }: { report: Report; onDone: () => void }) {
  const [note, setNote] = useState('');
  const [busy, run] = useAction();
  const act = async (action: OperatorAction) => {
    if (action === 'ban' && !window.confirm(t('mod.banConfirm'))) return;
    if (await run(() => actOnReport(report.id, action, note.trim()), t('mod.done'))) onDone();
  };
  const link = targetLink(report);
  return (
    <li class="row report-row" data-testid="report-row" data-report-id={report.id} data-status={report.status}>
      <div class="row-main">
        <span class="row-text">
          <span class="row-title">
            {t(`mod.kind.${report.target_kind}` as MessageKey)} · {t(`mod.reason.${report.reason}` as MessageKey)} ·{' '}
            {t(`mod.status.${report.status}` as MessageKey)}
          </span>
          <span class="row-subtitle" data-testid="report-excerpt">
            {link ? <a href={link}>{report.excerpt || report.target_id}</a> : report.excerpt || report.target_id}
          </span>
          {report.note && <span class="row-subtitle">“{report.note}”</span>}
          <span class="row-detail">
            {t('mod.reportedBy', { id: report.reporter_id })}
            {report.target_owner_id && ` · ${t('mod.owner', { id: report.target_owner_id })}`} · {formatTime(report.created_at)}
          </span>
          {report.resolution_note && <span class="row-detail">{report.resolution_note}</span>}
        </span>
      </div>
      {report.actions.length > 0 && (
        <div class="report-actions">
          <input
            data-testid="action-note"
            value={note}
            maxLength={500}
            placeholder={t('mod.actionNote')}
            onInput={(e) => setNote(e.currentTarget.value)}
          />
          <div class="button-row">
            {report.actions.map((action) => (
              <button
                key={action}
                type="button"
                class={action === 'ban' || action === 'take_down' ? 'small danger' : 'small'}
                data-testid={`action-${action}`}
                disabled={busy}
                onClick={() => act(action)}
              >
                {t(`mod.action.${action}` as MessageKey)}
              </button>
            ))}
          </div>
        </div>
      )}
    </li>
  );
}
