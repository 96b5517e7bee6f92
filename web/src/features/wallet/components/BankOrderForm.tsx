import { useState } from 'preact/hooks';
import { showError } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { useIdempotency } from '../../../core/idempotency';
import { parseYuan } from '../../../core/money';
import { topUp, withdraw, type BankOrder, type Card } from '../api';
import type { PinRequest } from './PinSheet';

interface Props {
  kind: 'topup' | 'withdraw';
  cards: Card[];
  /** Asks for the PIN and runs the payment with it. */
  askPin: (request: PinRequest) => void;
  onStarted: (order: BankOrder) => void;
}

/** A top-up or a withdrawal: card, amount in yuan, then the PIN; the bank answers later. */
export function BankOrderForm({ kind, cards, askPin, onStarted }: Props) {
  const [amount, setAmount] = useState('');
  const [cardId, setCardId] = useState('');
  const idempotency = useIdempotency();
  const prefix = kind === 'topup' ? 'topup' : 'withdraw';
  const card = cards.find((c) => c.id === cardId) ?? cards[0];

  const submit = (e: Event) => {
    e.preventDefault();
    const fen = parseYuan(amount);
    if (fen === null) return showError(new Error(t('wallet.amountInvalid')));
    if (!card) return showError(new Error(t('wallet.needCard')));
    const body = { card_id: card.id, amount: fen };
    askPin({
      prompt: t('wallet.pinEnter'),
      run: async (pin) => {
        // The same top-up tried again (after a wrong PIN or a dropped answer) keeps its key.
        const order = await idempotency.run(JSON.stringify([kind, body]), (key) =>
          (kind === 'topup' ? topUp : withdraw)(key, { ...body, pin }),
        );
        setAmount('');
        onStarted(order);
      },
    });
  };

  return (
    <form class="card form" data-testid={`${prefix}-form`} onSubmit={submit}>
      <h3>{kind === 'topup' ? t('wallet.topUp') : t('wallet.withdraw')}</h3>
      {cards.length > 1 && (
        <label>
          {t('wallet.card')}
          <select data-testid={`${prefix}-card`} value={card?.id} onChange={(e) => setCardId(e.currentTarget.value)}>
            {cards.map((c) => (
              <option key={c.id} value={c.id}>
                {c.masked}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        {t('wallet.amount')}
        <input
          data-testid={`${prefix}-amount`}
          inputMode="decimal"
          required
          placeholder="0.00"
          value={amount}
          onInput={(e) => setAmount(e.currentTarget.value)}
        />
      </label>
      <button type="submit" class="primary" data-testid={`${prefix}-submit`} disabled={cards.length === 0}>
        {kind === 'topup' ? t('wallet.topUp') : t('wallet.withdraw')}
      </button>
    </form>
  );
}
