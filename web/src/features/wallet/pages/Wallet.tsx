import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { t } from '../../../core/i18n';
import { useResource } from '../../../core/loading';
import { formatFen } from '../../../core/money';
import { href } from '../../../core/router';
import { getWallet, listCards, type BankOrder } from '../api';
import { BankOrderForm } from '../components/BankOrderForm';
import { BankOrderStatus } from '../components/BankOrderStatus';
import { Cards } from '../components/Cards';
import { PinSettings } from '../components/PinSettings';
import { PinSheet, type PinRequest } from '../components/PinSheet';
import { Statement } from '../components/Statement';

/** The Wallet tab: balance, payment PIN, cards, top-up and withdrawal, and the statement. */
export function WalletPage() {
  const wallet = useResource(getWallet, []);
  const cards = useResource(listCards, []);
  const [orders, setOrders] = useState<BankOrder[]>([]);
  const [pinRequest, setPinRequest] = useState<PinRequest | null>(null);
  // Bumped when money moved, to load the statement afresh.
  const [statementVersion, setStatementVersion] = useState(0);

  const moneyMoved = () => {
    wallet.reload();
    setStatementVersion((v) => v + 1);
  };
  const started = (order: BankOrder) => {
    setOrders((list) => [order, ...list]);
    // A withdrawal leaves the balance at once (into the hold), a top-up only when the bank answers.
    moneyMoved();
  };

  return (
    <Screen title={t('tab.wallet')}>
      <section class="card wallet-balance-card">
        <p class="muted">{t('wallet.balance')}</p>
        <p class="wallet-balance" data-testid="wallet-balance">
          {wallet.data ? formatFen(wallet.data.balance) : '¥—'}
        </p>
        <div class="button-row">
          <a class="wallet-button" href={href('/wallet/transfer')} data-testid="goto-transfer">
            {t('wallet.transfer')}
          </a>
          <a class="wallet-button" href={href('/wallet/red-packet')} data-testid="goto-red-packet">
            {t('wallet.redPacket')}
          </a>
        </div>
      </section>

      {orders.length > 0 && (
        <ul class="card list" data-testid="bank-orders">
          {orders.map((order) => (
            <BankOrderStatus key={order.id} order={order} onResolved={moneyMoved} />
          ))}
        </ul>
      )}

      {wallet.data && <PinSettings wallet={wallet.data} onSaved={wallet.reload} />}
      {cards.data && <Cards cards={cards.data} onChanged={cards.reload} />}
      {cards.data && (
        <>
          <BankOrderForm kind="topup" cards={cards.data} askPin={setPinRequest} onStarted={started} />
          <BankOrderForm kind="withdraw" cards={cards.data} askPin={setPinRequest} onStarted={started} />
        </>
      )}
      <Statement version={statementVersion} />

      {pinRequest && <PinSheet request={pinRequest} onClose={() => setPinRequest(null)} />}
    </Screen>
  );
}
