import { useState } from 'preact/hooks';
import { Avatar } from '../../../../core/components/Avatar';
import { clearFlash, showError, showNotice } from '../../../../core/flash';
import { ApiError } from '../../../../core/http';
import { formatTime, t } from '../../../../core/i18n';
import { usePaged } from '../../../../core/loading';
import { href } from '../../../../core/router';
import type { Me } from '../../../../core/types';
import { listBroadcasts, listShopFollowers, sendBroadcast } from '../api';
import { MerchantScreen, useMyShop } from '../components/MerchantGuard';

/** #/merchant/followers: write a broadcast (one a day), see those sent, and who follows the shop. */
export function MerchantFollowersPage() {
  return <MerchantScreen title={t('merchant.followers.title')}>{(me) => <Followers me={me} />}</MerchantScreen>;
}

function Followers({ me }: { me: Me }) {
  const { shop } = useMyShop(me);
  const followers = usePaged(listShopFollowers, []);
  const broadcasts = usePaged((cursor) => listBroadcasts(me.id, cursor), [me.id]);
  return (
    <>
      <BroadcastForm onSent={broadcasts.reload} />
      <section class="card">
        <h3>{t('merchant.broadcasts')}</h3>
        <ul class="list" data-testid="broadcasts">
          {broadcasts.items.map((broadcast) => (
            <li key={broadcast.id} class="merchant-broadcast" data-testid="broadcast-row" data-broadcast-id={broadcast.id}>
              <strong>{broadcast.title}</strong>
              <span class="muted small-text"> · {formatTime(broadcast.created_at)}</span>
              <p class="merchant-broadcast-body">{broadcast.body}</p>
            </li>
          ))}
        </ul>
        {!broadcasts.loading && broadcasts.items.length === 0 && <p class="empty">{t('merchant.broadcasts.none')}</p>}
        {broadcasts.hasMore && (
          <button type="button" class="link-button load-more" onClick={broadcasts.loadMore}>
            {t('common.loadMore')}
          </button>
        )}
      </section>
      <section class="card">
        <h3>{t('merchant.followers.list', { count: shop?.follower_count ?? followers.items.length })}</h3>
        <ul class="list" data-testid="followers">
          {followers.items.map((user) => (
            <li key={user.id} class="row" data-testid="follower-row" data-user-id={user.id}>
              <a class="row-main" href={href(`/users/${user.id}`)}>
                <Avatar user={user} />
                <span class="row-text">
                  <span class="row-title">{user.display_name}</span>
                  {user.username && <span class="row-subtitle">@{user.username}</span>}
                </span>
              </a>
            </li>
          ))}
        </ul>
        {!followers.loading && followers.items.length === 0 && <p class="empty">{t('merchant.followers.none')}</p>}
        {followers.hasMore && (
          <button type="button" class="link-button load-more" onClick={followers.loadMore}>
            {t('common.loadMore')}
          </button>
        )}
      </section>
    </>
  );
}

function BroadcastForm({ onSent }: { onSent: () => void }) {
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [limited, setLimited] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    clearFlash();
    setBusy(true);
    try {
      await sendBroadcast({ title: title.trim(), body: body.trim() });
      setLimited(false);
      setTitle('');
      setBody('');
      showNotice(t('merchant.broadcasts.sent'));
      onSent();
    } catch (error) {
      if (error instanceof ApiError && (error.code === 'broadcast_limit' || error.status === 429)) {
        // The daily limit is said in the form itself, where the merchant is looking.
        setLimited(true);
      } else {
        showError(error);
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card form" onSubmit={submit} data-testid="broadcast-form">
      <h3>{t('merchant.broadcasts.new')}</h3>
      <p class="hint">{t('merchant.broadcasts.hint')}</p>
      <label>
        {t('merchant.broadcasts.subject')}
        <input data-testid="broadcast-title" required maxLength={80} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
      </label>
      <label>
        {t('merchant.broadcasts.body')}
        <textarea data-testid="broadcast-body" required rows={4} value={body} onInput={(e) => setBody(e.currentTarget.value)} />
      </label>
      {limited && (
        <p class="merchant-limit" data-testid="broadcast-limit" role="alert">
          {t('merchant.broadcasts.limit')}
        </p>
      )}
      <button type="submit" class="primary" data-testid="broadcast-send" disabled={busy || !title.trim() || !body.trim()}>
        {t('merchant.broadcasts.send')}
      </button>
    </form>
  );
}
