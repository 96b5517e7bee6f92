import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { showError, showNotice } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { useIdempotency } from '../../../core/idempotency';
import { parseYuan } from '../../../core/money';
import { navigate } from '../../../core/router';
import { sendTransfer } from '../api';
import { FriendChoice } from '../components/FriendChoice';
import { PinSheet, type PinRequest } from '../components/PinSheet';

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
        const transfer = await idempotency.run(JSON.stringify(body), (key) => sendTransfer(key, { ...body, pin }));
        navigate(`/wallet/transfers/${transfer.id}`);
        showNotice(t('wallet.transferSent', { name: transfer.receiver.display_name }));
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
