import { useEffect, useState } from 'preact/hooks';
import { Avatar } from '../../../../core/components/Avatar';
import { Screen } from '../../../../core/components/Screen';
import { showNotice, useAction } from '../../../../core/flash';
import { formatTime, t, type MessageKey } from '../../../../core/i18n';
import { usePaged, useResource } from '../../../../core/loading';
import { onEntry } from '../../../../core/realtime';
import { navigate } from '../../../../core/router';
import { currentUser } from '../../../../core/session';
import { useStore } from '../../../../core/store';
import type { UserCard } from '../../../../core/types';
import { listTime, preview } from '../../../chat/components/format';
import {
  addStaff,
  claimConversation,
  listInbox,
  listStaff,
  listWorkplaces,
  removeStaff,
  transferConversation,
  type InboxFilter,
  type ServiceConversation,
  type StaffRole,
  type Workplace,
} from '../api';
import { Filter } from '../components/Filter';
import { useOverrides } from '../components/useOverrides';

/**
 * #/merchant/service: the official account's shared inbox (mine / unassigned / all) with unread counts,
 * claim and transfer, and — for the merchant — the staff. Staff are consumer accounts, so this page is
 * open to anyone the server lists a workplace for; a conversation opens in the ordinary chat view.
 */
export function MerchantServicePage() {
  const me = useStore(currentUser);
  const workplaces = useResource(listWorkplaces, []);
  const [picked, setPicked] = useState<string | null>(null);
  const list = workplaces.data ?? [];
  const place = list.find((w) => w.merchant.id === picked) ?? list[0] ?? null;
  return (
    <Screen title={t('merchant.service.title')} back={me?.kind === 'merchant' ? '/merchant' : '/me'}>
      {workplaces.data === null ? (
        <p class="empty">{workplaces.loading ? t('common.loading') : t('merchant.service.unavailable')}</p>
      ) : !place ? (
        <section class="card merchant-only" data-testid="merchant-only">
          <p>{t('merchant.service.noWorkplace')}</p>
        </section>
      ) : (
        <>
          {list.length > 1 && (
            <Filter
              testId="cs-workplace"
              value={place.merchant.id}
              onChange={setPicked}
              options={list.map((w) => ({ value: w.merchant.id, label: w.merchant.display_name }))}
            />
          )}
          {place.role !== 'owner' && <p class="hint">{t('merchant.service.staffOf', { shop: place.merchant.display_name })}</p>}
          <Inbox key={place.merchant.id} place={place} />
          {place.role === 'owner' && <Staff />}
        </>
      )}
    </Screen>
  );
}

function Inbox({ place }: { place: Workplace }) {
  const me = useStore(currentUser);
  const [filter, setFilter] = useState<InboxFilter>(place.role === 'owner' ? 'all' : 'mine');
  const inbox = usePaged((cursor) => listInbox(place.merchant.id, filter, cursor), [place.merchant.id, filter]);
  const changed = useOverrides<ServiceConversation & { id: string }>();
  // Whom a conversation may go to: the merchant's staff (only the merchant may list them) and the account.
  const staff = useResource(
    () => (place.role === 'owner' ? listStaff() : Promise.resolve([])),
    [place.merchant.id, place.role],
  );
  const targets: UserCard[] = [place.merchant, ...(staff.data ?? []).map((s) => s.user)];

  // New messages (and claims, transfers) arrive on the socket: load the inbox again, at most every 0.5 s.
  useEffect(() => {
    let timer: number | null = null;
    const stop = onEntry((entry) => {
      if (entry.kind !== 'message' || timer !== null) return;
      timer = window.setTimeout(() => {
        timer = null;
        inbox.reload();
      }, 500);
    });
    return () => {
      stop();
      if (timer !== null) window.clearTimeout(timer);
    };
  }, [place.merchant.id, filter]);

  return (
    <section data-testid="cs-inbox">
      <Filter
        testId="cs-view"
        value={filter}
        onChange={setFilter}
        options={[
          { value: 'mine', label: t('merchant.service.mine') },
          { value: 'unassigned', label: t('merchant.service.unassigned') },
          { value: 'all', label: t('merchant.service.all') },
        ]}
      />
      <ul class="list card merchant-inbox">
        {inbox.items.map((item) => {
          const conversation = changed.pick({ ...item, id: item.chat_id });
          return (
            <ConversationRow
              key={item.chat_id}
              conversation={conversation}
              myId={me?.id ?? null}
              merchant={place.merchant}
              targets={targets.filter((u) => u.id !== conversation.assignee?.id)}
              canTransfer={place.role !== 'agent' || conversation.assignee?.id === me?.id}
              onChanged={(c) => changed.put({ ...c, id: c.chat_id })}
            />
          );
        })}
      </ul>
      {!inbox.loading && inbox.items.length === 0 && <p class="empty">{t('merchant.service.none')}</p>}
      {inbox.hasMore && (
        <button type="button" class="link-button load-more" onClick={inbox.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </section>
  );
}

function windowText(conversation: ServiceConversation): string {
  const w = conversation.window;
  if (!w || w.state === 'closed') return t('merchant.service.window.closed');
  const time = w.until ? formatTime(w.until) : '';
  if (w.state === 'paid') return t('merchant.service.window.paid', { time });
  return t('merchant.service.window.reply', { count: w.replies_left ?? 0, time });
}

function ConversationRow({
  conversation,
  myId,
  merchant,
  targets,
  canTransfer,
  onChanged,
}: {
  conversation: ServiceConversation;
  myId: string | null;
  merchant: UserCard;
  targets: UserCard[];
  canTransfer: boolean;
  onChanged: (conversation: ServiceConversation) => void;
}) {
  const [transferring, setTransferring] = useState(false);
  const [to, setTo] = useState('');
  const [busy, run] = useAction();
  const id = conversation.chat_id;
  const last = conversation.last_message;
  const senderName = last?.sender_id === conversation.customer.id ? conversation.customer.display_name : merchant.display_name;
  const unread = conversation.unread_count;

  const claim = () => run(async () => onChanged(await claimConversation(id)), t('merchant.service.claimed'));
  const transfer = async (e: Event) => {
    e.preventDefault();
    const target = targets.find((u) => u.id === to);
    if (!target) return;
    if (await run(async () => onChanged(await transferConversation(id, to)), t('merchant.service.transferred', { name: target.display_name })))
      setTransferring(false);
  };

  return (
    <li class="merchant-conversation" data-testid="cs-conversation" data-conversation-id={id} data-unread={unread}>
      <button type="button" class="merchant-conversation-main" data-testid={`cs-open-${id}`} onClick={() => navigate(`/chats/${id}`)}>
        <span class="merchant-avatar-wrap">
          <Avatar user={conversation.customer} />
          {unread > 0 && (
            <span class="count-badge" data-testid="cs-unread" aria-label={t('merchant.service.unread', { count: unread })}>
              {unread > 99 ? '99+' : unread}
            </span>
          )}
        </span>
        <span class="row-text">
          <span class="merchant-conversation-top">
            <span class="row-title">{conversation.customer.display_name}</span>
            <span class="muted small-text">{listTime(last?.created_at ?? conversation.updated_at)}</span>
          </span>
          <span class="row-subtitle">{last ? preview(last, senderName, myId === merchant.id ? myId : merchant.id) : t('merchant.service.noMessages')}</span>
          <span class="row-detail" data-testid="cs-assignee">
            {conversation.assignee
              ? t('merchant.service.assignedTo', { name: conversation.assignee.id === myId ? t('chat.you') : conversation.assignee.display_name })
              : t('merchant.service.notAssigned')}
          </span>
          <span class={`row-detail merchant-window window-${conversation.window?.state ?? 'closed'}`} data-testid="cs-window">
            {windowText(conversation)}
          </span>
        </span>
      </button>
      <div class="button-row merchant-actions">
        {!conversation.assignee && (
          <button type="button" class="small primary" data-testid={`cs-claim-${id}`} disabled={busy} onClick={claim}>
            {t('merchant.service.claim')}
          </button>
        )}
        {canTransfer && targets.length > 0 && !transferring && (
          <button type="button" class="small" data-testid={`cs-transfer-${id}`} onClick={() => setTransferring(true)}>
            {t('merchant.service.transfer')}
          </button>
        )}
        <button type="button" class="small" onClick={() => navigate(`/chats/${id}`)}>
          {t('merchant.service.open')}
        </button>
      </div>
      {transferring && (
        <form class="inline-form merchant-transfer" onSubmit={transfer}>
          <select
            class="merchant-select"
            data-testid="cs-transfer-to"
            aria-label={t('merchant.service.transferTo')}
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
          >
            <option value="">{t('merchant.service.transferTo')}…</option>
            {targets.map((user) => (
              <option key={user.id} value={user.id}>
                {user.display_name}
                {user.username ? ` (@${user.username})` : ''}
              </option>
            ))}
          </select>
          <button type="submit" class="small primary" data-testid="cs-transfer-send" disabled={busy || !to}>
            {t('merchant.service.transferSend')}
          </button>
          <button type="button" class="small" onClick={() => setTransferring(false)}>
            {t('merchant.orders.cancel')}
          </button>
        </form>
      )}
    </li>
  );
}

/** The merchant's staff: add by username (as agent or admin), remove. */
function Staff() {
  const staff = useResource(listStaff, []);
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<StaffRole>('agent');
  const [busy, run] = useAction();
  const add = async (e: Event) => {
    e.preventDefault();
    const name = username.trim().replace(/^@/, '');
    if (!name) return;
    const answer: { name: string | null } = { name: null };
    const ok = await run(async () => {
      answer.name = (await addStaff(name, role)).user.display_name;
    });
    if (ok) {
      setUsername('');
      staff.reload();
      if (answer.name) showNotice(t('merchant.service.staffAdded', { name: answer.name }));
    }
  };
  const remove = async (user: UserCard) => {
    if (!window.confirm(t('merchant.service.confirmRemove', { name: user.display_name }))) return;
    if (await run(() => removeStaff(user.id), t('merchant.service.staffRemoved', { name: user.display_name }))) staff.reload();
  };
  return (
    <section class="card" data-testid="cs-staff">
      <h3>{t('merchant.service.staff')}</h3>
      <p class="hint">{t('merchant.service.staffHint')}</p>
      <ul class="list">
        {(staff.data ?? []).map((member) => (
          <li key={member.user.id} class="row" data-testid="staff-row" data-user-id={member.user.id}>
            <span class="row-main">
              <Avatar user={member.user} />
              <span class="row-text">
                <span class="row-title">{member.user.display_name}</span>
                <span class="row-subtitle">
                  {member.user.username ? `@${member.user.username} · ` : ''}
                  {t(`merchant.service.role.${member.role}` as MessageKey)}
                </span>
              </span>
            </span>
            <span class="row-actions">
              <button type="button" class="small danger" data-testid={`staff-remove-${member.user.id}`} disabled={busy} onClick={() => remove(member.user)}>
                {t('common.remove')}
              </button>
            </span>
          </li>
        ))}
      </ul>
      {staff.data && staff.data.length === 0 && <p class="empty">{t('merchant.service.noStaff')}</p>}
      <form class="inline-form merchant-staff-form" onSubmit={add}>
        <input
          data-testid="staff-username"
          placeholder={t('merchant.service.staffUsername')}
          aria-label={t('merchant.service.staffUsername')}
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
        <select class="merchant-select merchant-role" data-testid="staff-role" value={role} onChange={(e) => setRole(e.currentTarget.value as StaffRole)}>
          <option value="agent">{t('merchant.service.role.agent')}</option>
          <option value="admin">{t('merchant.service.role.admin')}</option>
        </select>
        <button type="submit" class="primary" data-testid="staff-add" disabled={busy || !username.trim()}>
          {t('merchant.service.addStaff')}
        </button>
      </form>
    </section>
  );
}
