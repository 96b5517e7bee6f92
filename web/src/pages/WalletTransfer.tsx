import { useState } from 'preact/hooks';
import { sendTransfer } from '../api/wallet';
import { Screen } from '../components/Screen';
import { FriendChoice } from '../components/wallet/FriendChoice';
import { parseYuan } from '../components/wallet/money';
import { PinSheet, type PinRequest } from '../components/wallet/PinSheet';
import { useIdempotency } from '../components/wallet/useIdempotency';
import { showError, showNotice } from '../flash';
import { t } from '../i18n';
import { navigate } from '../router';
import '../components/wallet/wallet.css';

/** Send money to a friend (`/wallet/transfer`, or `/wallet/transfer/ID` from a friend's page). */
export function WalletTransferPage({ to }: { to?: string }) {
  const [receiver, setReceiver] = useState(to ?? '');
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [pinRequest, setPinRequest] = useState<PinRequest | null>(null);
  const idempotency = useIdempotency();

  const submit = (e: Event) => {
    e.preventDefault();
    const fen = parseYuan(amount);
    if (fen === null) return showError(new Error(t('wallet.amountInvalid')));
    if (!receiver) return showError(new Error(t('wallet.pickFriend')));
    const body = { to_user_id: receiver, amount: fen, note: note.trim() };
    setPinRequest({
      prompt: t('wallet.pinEnter'),
      run: async (pin) => {
        const key = idempotency.keyFor(JSON.stringify(body));
        try {
          const transfer = await sendTransfer(key, { ...body, pin });
          idempotency.settle();
          navigate(`/wallet/transfers/${transfer.id}`);
          showNotice(t('wallet.transferSent', { name: transfer.receiver.display_name }));
        } catch (error) {
          idempotency.settle(error);
          throw error;
        }
      },
    });
  };

  return (
    <Screen title={t('wallet.transferTitle')} back="/wallet">
      <form class="card form" onSubmit={submit}>
        {!to && <FriendChoice picked={receiver} onPick={setReceiver} />}
        <label>
          {t('wallet.amount')}
          <input
            data-testid="transfer-amount"
            inputMode="decimal"
            required
            placeholder="0.00"
            value={amount}
            onInput={(e) => setAmount(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('wallet.note')}
          <input data-testid="transfer-note" maxLength={100} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" data-testid="transfer-submit">
          {t('wallet.transferSend')}
        </button>
      </form>
      {pinRequest && <PinSheet request={pinRequest} onClose={() => setPinRequest(null)} />}
    </Screen>
  );
}
