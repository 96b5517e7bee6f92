import { useEffect, useState } from 'preact/hooks';
import { Avatar } from '../../../core/components/Avatar';
import { Badges } from '../../../core/components/Badges';
import { Screen } from '../../../core/components/Screen';
import { useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { useResource } from '../../../core/loading';
import { href, navigate } from '../../../core/router';
import { openDirectChat } from '../../chat/api';
import { ReportButton } from '../../moderation/components/ReportButton';
import {
  acceptFriendRequest,
  block,
  declineFriendRequest,
  follow,
  getUser,
  removeFriend,
  sendFriendRequest,
  setRemark,
  unblock,
  unfollow,
  type UserProfile,
} from '../api';

/** Another person's profile and everything one can do about them. */
export function UserPage({ id }: { id: string }) {
  const profile = useResource(() => getUser(id), [id]);
  const user = profile.data;
  return (
    <Screen title={t('user.title')} back="/contacts">
      {user && (
        <>
          <ProfileCard user={user} />
          <nav class="card menu">
            <a class="menu-item" href={href(`/users/${user.id}/posts`)} data-testid="user-posts-link">
              {t('feed.profilePosts')}
              <span class="chevron" aria-hidden="true">
                ›
              </span>
            </a>
          </nav>
          {user.relation.is_self ? (
            <p class="card center">
              <a href={href('/me')}>{t('user.isYou')}</a>
            </p>
          ) : (
            <RelationActions user={user} onChange={profile.reload} />
          )}
        </>
      )}
    </Screen>
  );
}

function ProfileCard({ user }: { user: UserProfile }) {
  const { relation } = user;
  return (
    <section class="card profile-card">
      <Avatar user={user} size="large" />
      <div class="profile-text">
        <h2 data-testid="user-display-name">{relation.remark || user.display_name}</h2>
        <p class="muted">
          {relation.remark && <span>{user.display_name} · </span>}
          {user.username && <span data-testid="user-username">@{user.username}</span>}
        </p>
        <p>
          <Badges user={user} />
          {relation.is_friend && <span class="badge badge-verified">{t('user.friend')}</span>}
          {relation.follows_me && <span class="badge">{t('user.followsYou')}</span>}
        </p>
        {user.bio && <p>{user.bio}</p>}
        {user.region && <p class="muted">{user.region}</p>}
        <p class="muted">
          {t('user.counts', { followers: user.follower_count, following: user.following_count })}
        </p>
      </div>
    </section>
  );
}

/** The buttons depend on the relation; after any change the profile is fetched again, so they follow it. */
function RelationActions({ user, onChange }: { user: UserProfile; onChange: () => void }) {
  const { relation } = user;
  const [busy, run] = useAction();
  const act = async (action: () => Promise<unknown>, success: string) => {
    if (await run(action, success)) onChange();
  };

  return (
    <>
      {relation.is_friend && <RemarkForm user={user} onChange={onChange} />}
      {!relation.is_friend && !relation.blocked_by_me && <FriendRequestBox user={user} onChange={onChange} />}
      <section class="card button-row">
        {relation.is_friend && (
          <button
            type="button"
            class="primary"
            data-testid="message-user"
            disabled={busy}
            onClick={() => run(async () => navigate(`/chats/${(await openDirectChat(user.id)).id}`))}
          >
            {t('chat.messageUser')}
          </button>
        )}
        {!relation.blocked_by_me &&
          (relation.is_following ? (
            <button type="button" data-testid="unfollow" disabled={busy} onClick={() => act(() => unfollow(user.id), t('user.unfollowed'))}>
              {t('user.unfollow')}
            </button>
          ) : (
            <button type="button" class="primary" data-testid="follow" disabled={busy} onClick={() => act(() => follow(user.id), t('user.followed'))}>
              {t('user.follow')}
            </button>
          ))}
        {relation.is_friend && (
          <button type="button" class="danger" data-testid="remove-friend" disabled={busy} onClick={() => act(() => removeFriend(user.id), t('user.friendRemoved'))}>
            {t('user.removeFriend')}
          </button>
        )}
        {relation.blocked_by_me ? (
          <button type="button" data-testid="unblock" disabled={busy} onClick={() => act(() => unblock(user.id), t('user.unblocked'))}>
            {t('user.unblock')}
          </button>
        ) : (
          <button type="button" class="danger" data-testid="block" disabled={busy} onClick={() => act(() => block(user.id), t('user.blocked'))}>
            {t('user.block')}
          </button>
        )}
        <ReportButton kind="user" id={user.id} small={false} />
      </section>
    </>
  );
}

/** Add friend, or the state of a pending request in either direction. */
function FriendRequestBox({ user, onChange }: { user: UserProfile; onChange: () => void }) {
  const { relation } = user;
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState('');
  const [busy, run] = useAction();
  const act = async (action: () => Promise<unknown>, success: string) => {
    if (await run(action, success)) onChange();
  };

  if (relation.pending_request === 'outgoing') {
    return <p class="card muted" data-testid="request-pending">{t('user.requestSent')}</p>;
  }
  const requestId = relation.pending_request_id;
  if (relation.pending_request === 'incoming' && requestId) {
    return (
      <section class="card button-row">
        <span>{t('user.requestReceived')}</span>
        <button type="button" class="primary" data-testid="accept-request" disabled={busy} onClick={() => act(() => acceptFriendRequest(requestId), t('requests.accepted'))}>
          {t('requests.accept')}
        </button>
        <button type="button" data-testid="decline-request" disabled={busy} onClick={() => act(() => declineFriendRequest(requestId), t('requests.declined'))}>
          {t('requests.decline')}
        </button>
      </section>
    );
  }
  if (!open) {
    return (
      <section class="card button-row">
        <button type="button" class="primary wide" data-testid="add-friend" onClick={() => setOpen(true)}>
          {t('user.addFriend')}
        </button>
      </section>
    );
  }
  const send = (e: Event) => {
    e.preventDefault();
    const text = message.trim();
    void act(() => sendFriendRequest({ to_user_id: user.id, ...(text && { message: text }) }), t('user.requestSentNotice'));
  };
  return (
    <form class="card form" onSubmit={send}>
      <label>
        {t('user.requestMessage')}
        <textarea
          data-testid="friend-message"
          rows={2}
          value={message}
          placeholder={t('user.requestMessagePlaceholder')}
          onInput={(e) => setMessage(e.currentTarget.value)}
        />
      </label>
      <button type="submit" class="primary" data-testid="send-friend-request" disabled={busy}>
        {t('user.sendRequest')}
      </button>
    </form>
  );
}

function RemarkForm({ user, onChange }: { user: UserProfile; onChange: () => void }) {
  const [remark, setRemarkText] = useState(user.relation.remark ?? '');
  const [busy, run] = useAction();
  // Follow the saved remark when the profile is fetched again.
  useEffect(() => setRemarkText(user.relation.remark ?? ''), [user.relation.remark]);

  const save = async (e: Event) => {
    e.preventDefault();
    if (await run(() => setRemark(user.id, remark.trim()), t('user.remarkSaved'))) onChange();
  };
  return (
    <form class="card inline-form" onSubmit={save}>
      <input
        data-testid="remark-input"
        maxLength={32}
        placeholder={t('user.remarkPlaceholder')}
        aria-label={t('user.remark')}
        value={remark}
        onInput={(e) => setRemarkText(e.currentTarget.value)}
      />
      <button type="submit" class="primary" data-testid="remark-save" disabled={busy}>
        {t('user.setRemark')}
      </button>
    </form>
  );
}
