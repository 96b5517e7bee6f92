import { useEffect, useState } from 'preact/hooks';
import { Avatar } from '../../../core/components/Avatar';
import { Screen } from '../../../core/components/Screen';
import { showError, showNotice, useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { href, navigate } from '../../../core/router';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import {
  addMembers,
  leaveChat,
  removeMember,
  setMemberRole,
  updateChatSettings,
  updateGroup,
  type Chat,
  type Member,
} from '../api';
import { chatList, findChat, invalidateMembers, loadMembers, openThread, putChat, thread } from '../chats';
import { FriendPicker, toggled } from '../components/FriendPicker';
import { chatTitle } from '../components/format';

/** A chat's details: a group's members, name, announcement, mute-all; for anyone, mute and pin. */
export function ChatSettingsPage({ id }: { id: string }) {
  useStore(chatList);
  const { membersVersion } = useStore(thread(id));
  const chat = findChat(id);

  useEffect(() => {
    if (!findChat(id)) openThread(id).catch(showError);
  }, [id]);

  if (!chat) return <Screen title={t('chat.settings')} back={`/chats/${id}`}>{null}</Screen>;
  return (
    <Screen title={t('chat.settings')} back={`/chats/${id}`}>
      {chat.kind === 'group' && chat.me.status === 'active' ? (
        <GroupSettings chat={chat} membersVersion={membersVersion} />
      ) : (
        chat.peer && (
          <section class="card">
            <a class="row-main" href={href(`/users/${chat.peer.id}`)} data-testid="chat-peer">
              <Avatar user={chat.peer} />
              <span class="row-title">{chat.peer.display_name}</span>
            </a>
          </section>
        )
      )}
      <MySettings chat={chat} />
      {chat.kind === 'group' && chat.me.status === 'active' && <LeaveGroup chat={chat} />}
    </Screen>
  );
}

function GroupSettings({ chat, membersVersion }: { chat: Chat; membersVersion: number }) {
  const me = currentUser.get();
  const [members, setMembers] = useState<Member[]>([]);
  const [inviting, setInviting] = useState(false);
  const manager = chat.me.role === 'owner' || chat.me.role === 'admin';

  useEffect(() => {
    loadMembers(chat.id).then(setMembers, showError);
  }, [chat.id, membersVersion]);

  return (
    <>
      <section class="card">
        <h3>{t('chat.members', { count: chat.member_count ?? members.length })}</h3>
        <ul class="list" data-testid="group-members">
          {members.map((member) => (
            <MemberRow key={member.user.id} chat={chat} member={member} isMe={member.user.id === me?.id} />
          ))}
        </ul>
        <button type="button" class="wide" data-testid="group-invite" onClick={() => setInviting((v) => !v)}>
          {t('chat.invite')}
        </button>
        {inviting && (
          <InviteFriends
            chat={chat}
            members={new Set(members.map((m) => m.user.id))}
            onDone={() => setInviting(false)}
          />
        )}
      </section>
      <GroupText chat={chat} field="title" editable={manager} />
      <GroupText chat={chat} field="announcement" editable={manager} />
      {manager && (
        <section class="card form">
          <MuteAll chat={chat} />
        </section>
      )}
    </>
  );
}

function MemberRow({ chat, member, isMe }: { chat: Chat; member: Member; isMe: boolean }) {
  const [busy, run] = useAction();
  const myRole = chat.me.role;
  // The owner removes anyone; an admin removes plain members.
  const canRemove = !isMe && member.role !== 'owner' && (myRole === 'owner' || (myRole === 'admin' && member.role === 'member'));
  const canChangeRole = !isMe && myRole === 'owner' && member.role !== 'owner';
  const roleLabel = member.role === 'owner' ? t('chat.role.owner') : member.role === 'admin' ? t('chat.role.admin') : null;
  return (
    <li class="row" data-testid="group-member" data-user-id={member.user.id} data-role={member.role}>
      <a class="row-main" href={href(`/users/${member.user.id}`)}>
        <Avatar user={member.user} />
        <span class="row-text">
          <span class="row-title">
            {member.user.display_name} {roleLabel && <span class="badge badge-verified">{roleLabel}</span>}
          </span>
        </span>
      </a>
      <span class="row-actions">
        {canChangeRole && (
          <button
            type="button"
            class="small"
            data-testid="member-role"
            disabled={busy}
            onClick={() =>
              run(async () => {
                await setMemberRole(chat.id, member.user.id, member.role === 'admin' ? 'member' : 'admin');
                invalidateMembers(chat.id);
              })
            }
          >
            {member.role === 'admin' ? t('chat.removeAdmin') : t('chat.makeAdmin')}
          </button>
        )}
        {canRemove && (
          <button
            type="button"
            class="small danger"
            data-testid="member-remove"
            disabled={busy}
            onClick={() =>
              run(async () => {
                await removeMember(chat.id, member.user.id);
                invalidateMembers(chat.id);
              }, t('chat.memberRemoved'))
            }
          >
            {t('common.remove')}
          </button>
        )}
      </span>
    </li>
  );
}

function InviteFriends({ chat, members, onDone }: { chat: Chat; members: Set<string>; onDone: () => void }) {
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [busy, run] = useAction();
  const invite = async () => {
    let waiting = 0;
    const ok = await run(async () => {
      const result = await addMembers(chat.id, [...picked]);
      waiting = result.invited.length;
      invalidateMembers(chat.id);
    });
    if (ok) {
      if (waiting > 0) showNotice(t('chat.invitationsSent', { count: waiting }));
      onDone();
    }
  };
  return (
    <div class="invite-box">
      <FriendPicker testId="invite-option" exclude={members} picked={picked} onToggle={(id) => setPicked((p) => toggled(p, id))} />
      <button type="button" class="primary wide" data-testid="invite-submit" disabled={busy || picked.size === 0} onClick={invite}>
        {t('chat.inviteSubmit', { count: picked.size })}
      </button>
    </div>
  );
}

/** The group's name or announcement: shown to all, edited by the owner and admins. */
function GroupText({ chat, field, editable }: { chat: Chat; field: 'title' | 'announcement'; editable: boolean }) {
  const saved = (field === 'title' ? chat.title : chat.announcement) ?? '';
  const [value, setValue] = useState(saved);
  const [busy, run] = useAction();
  useEffect(() => setValue(saved), [saved]);
  const label = field === 'title' ? t('chat.groupName') : t('chat.announcement');

  if (!editable) {
    return (
      <section class="card">
        <h3>{label}</h3>
        <p data-testid={`group-${field}`}>{field === 'title' ? chatTitle(chat) : saved || t('chat.noAnnouncement')}</p>
      </section>
    );
  }
  const save = async (e: Event) => {
    e.preventDefault();
    const text = value.trim();
    if (field === 'title' && !text) return;
    await run(async () => putChat(await updateGroup(chat.id, { [field]: text })), t('chat.saved'));
  };
  return (
    <form class="card form" onSubmit={save}>
      <label>
        {label}
        {field === 'title' ? (
          <input data-testid="group-title-input" maxLength={64} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        ) : (
          <textarea
            data-testid="group-announcement-input"
            rows={3}
            maxLength={2000}
            value={value}
            placeholder={t('chat.noAnnouncement')}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        )}
      </label>
      <button type="submit" class="primary" data-testid={`group-${field}-save`} disabled={busy || value.trim() === saved}>
        {t('common.save')}
      </button>
    </form>
  );
}

/** A switch that shows the new position at once and goes back if saving it fails. */
function Switch(props: { testId: string; label: string; hint?: string; value: boolean; save: (value: boolean) => Promise<unknown> }) {
  const [shown, setShown] = useState(props.value);
  const [busy, run] = useAction();
  useEffect(() => setShown(props.value), [props.value]);
  return (
    <label class="switch">
      <span>
        {props.label}
        {props.hint && (
          <>
            <br />
            <span class="hint">{props.hint}</span>
          </>
        )}
      </span>
      <input
        type="checkbox"
        data-testid={props.testId}
        checked={shown}
        disabled={busy}
        onChange={async (e) => {
          const value = e.currentTarget.checked;
          setShown(value);
          if (!(await run(() => props.save(value)))) setShown(!value);
        }}
      />
    </label>
  );
}

function MuteAll({ chat }: { chat: Chat }) {
  return (
    <Switch
      testId="group-mute-all"
      label={t('chat.muteAll')}
      hint={t('chat.muteAllHint')}
      value={chat.mute_all}
      save={async (mute) => putChat(await updateGroup(chat.id, { mute_all: mute }))}
    />
  );
}

function MySettings({ chat }: { chat: Chat }) {
  return (
    <section class="card form">
      <Switch
        testId="chat-mute"
        label={t('chat.mute')}
        value={chat.me.muted}
        save={async (muted) => putChat(await updateChatSettings(chat.id, { muted }))}
      />
      {chat.me.status === 'active' && (
        <Switch
          testId="chat-pin"
          label={t('chat.pin')}
          value={chat.me.pinned}
          save={async (pinned) => putChat(await updateChatSettings(chat.id, { pinned }), true)}
        />
      )}
    </section>
  );
}

function LeaveGroup({ chat }: { chat: Chat }) {
  const [busy, run] = useAction();
  const leave = async () => {
    if (!window.confirm(t('chat.leaveConfirm'))) return;
    if (await run(() => leaveChat(chat.id), t('chat.left'))) navigate('/chats');
  };
  return (
    <section class="card">
      <button type="button" class="danger wide" data-testid="group-leave" disabled={busy} onClick={leave}>
        {t('chat.leave')}
      </button>
    </section>
  );
}
