import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { formatTime, t, type MessageKey } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { formatFen } from '../../../core/money';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import type { UserCard } from '../../../core/types';
import { AUDIT_KINDS, listAudit, type AuditEntry, type AuditFilter } from '../api';

const NO_FILTER: AuditFilter = { actor: '', subject: '', kind: '', since: '', until: '' };

const kindText = (kind: string) =>
  (AUDIT_KINDS as readonly string[]).includes(kind) ? t(`audit.kind.${kind}` as MessageKey) : kind;

/** #/audit: the audit log of money and operator actions, newest first, for operators. */
export function AuditLogPage() {
  const me = useStore(currentUser);
  if (!me) {
    return (
      <Screen title={t('audit.title')} back="/me">
        <p class="empty">{t('common.loading')}</p>
      </Screen>
    );
  }
  if (!me.is_operator) {
    return (
      <Screen title={t('audit.title')} back="/me">
        <section class="card" data-testid="audit-operators-only">
          <p>{t('audit.onlyOperators')}</p>
        </section>
      </Screen>
    );
  }
  return (
    <Screen title={t('audit.title')} back="/me">
      <AuditLog />
    </Screen>
  );
}

function AuditLog() {
  const [filter, setFilter] = useState<AuditFilter>(NO_FILTER);
  const entries = usePaged((cursor) => listAudit(filter, cursor), [JSON.stringify(filter)]);
  return (
    <>
      <FilterForm value={filter} onApply={setFilter} />
      <div class="audit-table-wrap">
        <table class="audit-table" data-testid="audit-table">
          <thead>
            <tr>
              <th>{t('audit.col.time')}</th>
              <th>{t('audit.col.kind')}</th>
              <th>{t('audit.col.actor')}</th>
              <th>{t('audit.col.subject')}</th>
              <th>{t('audit.col.amount')}</th>
              <th>{t('audit.col.change')}</th>
              <th>{t('audit.col.origin')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.items.map((entry) => (
              <Row key={entry.id} entry={entry} />
            ))}
          </tbody>
        </table>
      </div>
      {!entries.loading && entries.items.length === 0 && (
        <p class="empty" data-testid="audit-none">
          {t('audit.none')}
        </p>
      )}
      {entries.hasMore && (
        <button type="button" class="link-button load-more" data-testid="audit-load-more" onClick={entries.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </>
  );
}

function FilterForm({ value, onApply }: { value: AuditFilter; onApply: (filter: AuditFilter) => void }) {
  const [draft, setDraft] = useState(value);
  // The time inputs hold local wall-clock time; the API takes an instant.
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const instant = (local: string) => (local ? new Date(local).toISOString() : '');
  const submit = (e: Event) => {
    e.preventDefault();
    onApply({ ...draft, actor: draft.actor.trim(), subject: draft.subject.trim(), since: instant(since), until: instant(until) });
  };
  const clear = () => {
    setDraft(NO_FILTER);
    setSince('');
    setUntil('');
    onApply(NO_FILTER);
  };
  return (
    <form class="card form audit-filter" data-testid="audit-filter" onSubmit={submit}>
      <label>
        {t('audit.filter.actor')}
        <input
          data-testid="audit-filter-actor"
          inputMode="numeric"
          maxLength={19}
          value={draft.actor}
          onInput={(e) => setDraft({ ...draft, actor: e.currentTarget.value })}
        />
      </label>
      <label>
        {t('audit.filter.subject')}
        <input
          data-testid="audit-filter-subject"
          inputMode="numeric"
          maxLength={19}
          value={draft.subject}
          onInput={(e) => setDraft({ ...draft, subject: e.currentTarget.value })}
        />
      </label>
      <label>
        {t('audit.filter.kind')}
        <select
          data-testid="audit-filter-kind"
          value={draft.kind}
          onChange={(e) => setDraft({ ...draft, kind: e.currentTarget.value })}
        >
          <option value="">{t('audit.filter.anyKind')}</option>
          {AUDIT_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {kindText(kind)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('audit.filter.since')}
        <input type="datetime-local" data-testid="audit-filter-since" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
      </label>
      <label>
        {t('audit.filter.until')}
        <input type="datetime-local" data-testid="audit-filter-until" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
      </label>
      <div class="button-row">
        <button type="submit" class="primary small" data-testid="audit-filter-apply">
          {t('audit.filter.apply')}
        </button>
        <button type="button" class="small" data-testid="audit-filter-clear" onClick={clear}>
          {t('audit.filter.clear')}
        </button>
      </div>
    </form>
  );
}

function person(card: UserCard | null, id: string | null): string {
  if (card) return card.username ? `${card.display_name} (@${card.username})` : card.display_name;
  return id ?? '';
}

function change(state: Record<string, unknown> | null): string {
  if (!state) return '—';
  return Object.entries(state)
    .map(([key, value]) => `${key}: ${value === null ? '—' : String(value)}`)
    .join(', ');
}

function Row({ entry }: { entry: AuditEntry }) {
  const who = entry.actor_id ? person(entry.actor, entry.actor_id) : entry.via === 'cli' ? t('audit.cli') : t('audit.system');
  return (
    <tr data-testid="audit-entry" data-kind={entry.kind} data-entry-id={entry.id}>
      <td data-testid="audit-time">{formatTime(entry.occurred_at)}</td>
      <td data-testid="audit-kind" title={entry.kind}>
        {kindText(entry.kind)}
      </td>
      <td data-testid="audit-actor">{who}</td>
      <td data-testid="audit-subject">{person(entry.subject, entry.subject_id) || '—'}</td>
      <td data-testid="audit-amount" class="audit-amount">
        {entry.amount === null ? '—' : formatFen(entry.amount)}
      </td>
      <td data-testid="audit-change">
        {change(entry.before)} → {change(entry.after)}
      </td>
      <td data-testid="audit-origin" title={entry.request_id ?? ''}>
        {entry.address ?? (entry.via === 'cli' ? t('audit.cli') : '—')}
        {entry.user_agent && <span class="hint audit-agent">{entry.user_agent}</span>}
      </td>
    </tr>
  );
}
