import { useEffect, useState } from 'preact/hooks';
import { Avatar } from '../../../core/components/Avatar';
import { Screen } from '../../../core/components/Screen';
import { showError, showNotice, useAction } from '../../../core/flash';
import { formatTime, t, type MessageKey } from '../../../core/i18n';
import { formatFen } from '../../../core/money';
import { href, navigate } from '../../../core/router';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import { Thumb } from '../../commerce/components/bits';
import { buyBargain, cutBargain, getBargain, type Bargain } from '../api';
import { PayFlow, type PayIntent } from '../components/PayFlow';
import { SharePanel } from '../components/SharePanel';
import { Countdown } from '../components/bits';

/**
 * #/bargains/:id — "help me cut": the way from the start price down to the floor, the friends' cuts,
 * "Help cut" for the owner's friends, sharing, and "Buy at the floor price" (PIN) once it is reached.
 */
export function BargainPage({ id }: { id: string }) {
  const [bargain, setBargain] = useState<Bargain | null>(null);
  useEffect(() => {
    let current = true;
    getBargain(id).then((value) => current && setBargain(value), showError);
    return () => {
      current = false;
    };
  }, [id]);
  return (
    <Screen title={t('groupbuy.bargain.title')} back="/shop">
      {bargain ? <BargainView bargain={bargain} onChanged={setBargain} /> : <p class="empty">{t('common.loading')}</p>}
    </Screen>
  );
}

function BargainView({ bargain, onChanged }: { bargain: Bargain; onChanged: (b: Bargain) => void }) {
  const me = useStore(currentUser);
  const [busy, run] = useAction();
  const [paying, setPaying] = useState<PayIntent | null>(null);
  const mine = me?.id === bargain.owner.id;
  const span = bargain.start_price - bargain.floor_price;
  const done = span > 0 ? Math.round(((bargain.start_price - bargain.current_price) * 100) / span) : 100;
  const active = bargain.status === 'active';
  const canCut = active && !mine && bargain.my_cut === null && !bargain.at_floor && bargain.helper_count < bargain.max_helpers;

  const cut = () =>
    run(async () => {
      const result = await cutBargain(bargain.id);
      onChanged(result.bargain);
      showNotice(t('groupbuy.bargain.cutNotice', { amount: formatFen(result.amount) }));
    });

  const buy = () =>
    setPaying({
      action: `bargain:${bargain.id}`,
      amount: bargain.current_price,
      pay: async (key, pin, address) => {
        const bought = await buyBargain(key, bargain.id, { pin, address });
        onChanged(bought.bargain);
        navigate(`/orders/${bought.order_id}`);
        showNotice(t('shop.pay.paid'));
      },
    });

  return (
    <>
      <section class="card gb-product">
        <a class="row" href={href(`/p/${bargain.product.id}`)}>
          <Thumb url={bargain.product.image_url} size="medium" />
          <span class="row-main stack">
            <span class="row-title">{bargain.product.title}</span>
            <span class="muted small-text">{t('groupbuy.bargain.by', { name: bargain.owner.display_name })}</span>
          </span>
        </a>
      </section>

      <section class="card gb-bargain" data-testid="bargain-page" data-bargain-id={bargain.id} data-status={bargain.status} data-at-floor={bargain.at_floor}>
        <p class="gb-bargain-now">
          {t('groupbuy.bargain.now')}{' '}
          <span class="price big" data-testid="bargain-current-price">
            {formatFen(bargain.current_price)}
          </span>
        </p>
        <div class="gb-progress" data-testid="bargain-progress" data-percent={done} role="progressbar" aria-valuenow={done} aria-valuemin={0} aria-valuemax={100}>
          <span style={{ width: `${done}%` }} />
        </div>
        <p class="gb-progress-labels muted small-text">
          <span>{formatFen(bargain.start_price)}</span>
          <span data-testid="bargain-floor">{t('groupbuy.bargain.floor', { price: formatFen(bargain.floor_price) })}</span>
        </p>
        <p class="muted small-text">
          <span data-testid="bargain-status">{t(`groupbuy.bargain.status.${bargain.status}` as MessageKey)}</span>
          {active && (
            <>
              {' · '}
              {t('groupbuy.bargain.expiresIn')} <Countdown seconds={bargain.seconds_left} testId="bargain-countdown" />
            </>
          )}
          {' · '}
          {t('groupbuy.bargain.helpers', { count: bargain.helper_count, max: bargain.max_helpers })}
        </p>
        {mine && active && !bargain.at_floor && <p class="hint">{t('groupbuy.bargain.askFriends')}</p>}
        {bargain.can_buy && (
          <button type="button" class="primary wide" data-testid="bargain-buy" onClick={buy}>
            {t('groupbuy.bargain.buy', { price: formatFen(bargain.current_price) })}
          </button>
        )}
        {bargain.order_id && (
          <a class="wallet-button" href={href(`/orders/${bargain.order_id}`)} data-testid="bargain-order">
            {t('groupbuy.team.viewOrder')} ›
          </a>
        )}
        {canCut && (
          <button type="button" class="primary wide" data-testid="bargain-help-cut" disabled={busy} onClick={cut}>
            {t('groupbuy.bargain.helpCut')}
          </button>
        )}
        {bargain.my_cut !== null && (
          <p class="gb-my-cut" data-testid="bargain-my-cut">
            {t('groupbuy.bargain.youCut', { amount: formatFen(bargain.my_cut) })}
          </p>
        )}
      </section>

      <section class="card">
        <h3>{t('groupbuy.bargain.cuts')}</h3>
        {bargain.cuts.length === 0 ? (
          <p class="empty">{t('groupbuy.bargain.noCuts')}</p>
        ) : (
          <ul class="list" data-testid="bargain-cuts">
            {bargain.cuts.map((c) => (
              <li key={c.helper.id} class="row" data-testid="bargain-cut" data-user-id={c.helper.id}>
                <Avatar user={c.helper} />
                <span class="row-main stack">
                  <span class="row-title">{c.helper.display_name}</span>
                  <span class="muted small-text">{formatTime(c.created_at)}</span>
                </span>
                <span class="amount">−{formatFen(c.amount)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      {mine && active && !bargain.at_floor && (
        <SharePanel
          kind="bargain"
          content={{ bargain_id: bargain.id }}
          title={bargain.product.title}
          momentText={t('groupbuy.share.bargainMoment', { title: bargain.product.title })}
          momentLink={async () => `/#/bargains/${bargain.id}`}
        />
      )}
      {paying && <PayFlow intent={paying} onClose={() => setPaying(null)} />}
    </>
  );
}
