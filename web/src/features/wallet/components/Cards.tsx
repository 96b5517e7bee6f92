import { useEffect, useState } from 'preact/hooks';
import { useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import { linkCard, removeCard, type Card } from '../api';

/** Linked cards (masked: the server keeps only a token and the last four digits) and the form to link one. */
export function Cards({ cards, onChanged }: { cards: Card[]; onChanged: () => void }) {
  const [number, setNumber] = useState('');
  const me = useStore(currentUser);
  const [holder, setHolder] = useState(me?.display_name ?? '');
  // The account may load after the form appears: fill the holder then, unless the user typed one.
  const [holderTouched, setHolderTouched] = useState(false);
  useEffect(() => {
    if (!holderTouched && me?.display_name) setHolder(me.display_name);
  }, [me?.display_name]);
  const [busy, run] = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const ok = await run(() => linkCard({ number: number.trim(), holder_name: holder.trim() }), t('wallet.cardLinked'));
    if (ok) {
      setNumber('');
      onChanged();
    }
  };

  return (
    <section class="card wallet-cards">
      <h3>{t('wallet.cards')}</h3>
      <ul class="list" data-testid="cards">
        {cards.map((card) => (
          <li key={card.id} class="row" data-testid="card-row" data-card-id={card.id}>
            <span class="row-main">
              <span class="row-title" data-testid="card-masked">{card.masked}</span>
              <span class="row-subtitle muted">
                {card.bank} · {card.holder_name}
              </span>
            </span>
            <button
              type="button"
              class="link-button"
              data-testid="card-remove"
              disabled={busy}
              onClick={() => void run(() => removeCard(card.id), t('wallet.cardRemoved')).then((ok) => ok && onChanged())}
            >
              {t('common.remove')}
            </button>
          </li>
        ))}
      </ul>
      {cards.length === 0 && <p class="empty">{t('wallet.noCards')}</p>}
      <form class="form" onSubmit={submit}>
        <label>
          {t('wallet.cardNumber')}
          <input
            data-testid="card-number"
            inputMode="numeric"
            autocomplete="cc-number"
            required
            minLength={12}
            maxLength={23}
            value={number}
            onInput={(e) => setNumber(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('wallet.cardHolder')}
          <input
            data-testid="card-holder"
            autocomplete="cc-name"
            required
            maxLength={64}
            value={holder}
            onInput={(e) => {
              setHolderTouched(true);
              setHolder(e.currentTarget.value);
            }}
          />
        </label>
        <button type="submit" class="primary" data-testid="card-link" disabled={busy}>
          {t('wallet.cardLink')}
        </button>
      </form>
    </section>
  );
}
