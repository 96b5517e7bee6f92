import { useState } from 'preact/hooks';
import { showNotice } from '../../../../core/flash';
import { ApiError } from '../../../../core/http';
import { errorText, lang, t } from '../../../../core/i18n';
import { shipOrder, type Order } from '../api';

const CARRIERS = {
  zh: ['顺丰速运', '中通快递', '圆通速递', '韵达快递', '申通快递', '京东物流', 'EMS'],
  en: ['SF Express', 'ZTO Express', 'YTO Express', 'Yunda Express', 'STO Express', 'JD Logistics', 'EMS'],
};

/** The shipping dialog: carrier and tracking number, then POST /orders/{id}/ship. */
export function ShipSheet({ order, onClose, onShipped }: { order: Order; onClose: () => void; onShipped: (order: Order) => void }) {
  const carriers = CARRIERS[lang.get()];
  const [carrier, setCarrier] = useState(carriers[0]);
  const [tracking, setTracking] = useState('');
  const [busy, setBusy] = useState(false);
  // Said in the sheet, which covers the page's message line.
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { carrier: carrier.trim(), tracking_number: tracking.trim() };
    if (!body.carrier || !body.tracking_number) return setProblem(t('merchant.orders.trackingMissing'));
    setBusy(true);
    setProblem(null);
    try {
      const shipped = await shipOrder(order.id, body);
      onShipped(shipped);
      showNotice(t('merchant.orders.shipped'));
    } catch (error) {
      setProblem(error instanceof ApiError ? errorText(error) : String(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="merchant-sheet-backdrop" onClick={onClose}>
      <div
        class="merchant-sheet"
        role="dialog"
        aria-modal="true"
        aria-label={t('merchant.orders.shipTitle', { id: order.id })}
        data-testid="ship-dialog"
        data-order-id={order.id}
        onClick={(e) => e.stopPropagation()}
      >
        <form class="form" onSubmit={submit}>
          <h2>{t('merchant.orders.shipTitle', { id: order.id })}</h2>
          {order.address && (
            <p class="muted">
              {order.address.name} · {order.address.phone} · {order.address.line}
            </p>
          )}
          <label>
            {t('merchant.orders.carrier')}
            <input
              data-testid="carrier-input"
              list="merchant-carriers"
              maxLength={40}
              value={carrier}
              onInput={(e) => setCarrier(e.currentTarget.value)}
            />
            <datalist id="merchant-carriers">
              {carriers.map((name) => (
                <option key={name} value={name} />
              ))}
            </datalist>
          </label>
          <label>
            {t('merchant.orders.tracking')}
            <input
              data-testid="tracking-input"
              maxLength={60}
              autoFocus
              value={tracking}
              onInput={(e) => setTracking(e.currentTarget.value)}
            />
          </label>
          {problem && (
            <p class="merchant-limit" role="alert" data-testid="ship-error">
              {problem}
            </p>
          )}
          <div class="button-row">
            <button type="submit" class="primary" data-testid="ship-confirm" disabled={busy}>
              {t('merchant.orders.shipConfirm')}
            </button>
            <button type="button" data-testid="ship-cancel" onClick={onClose}>
              {t('merchant.orders.cancel')}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
