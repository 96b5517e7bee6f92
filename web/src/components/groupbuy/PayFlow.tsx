import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../../api';
import type { Address } from '../../api/shop';
import { showError } from '../../flash';
import { t } from '../../i18n';
import { walletProblem } from '../shop/payOrders';
import { lastAddress, saveAddress } from '../shop/state';
import { WalletProblem } from '../shop/WalletProblem';
import { formatFen } from '../wallet/money';
import { PinSheet } from '../wallet/PinSheet';
import { useIdempotency } from '../wallet/useIdempotency';
import '../wallet/wallet.css';

/** A group-buy payment to make: what it is (for the idempotency key), how much, and the call itself. */
export interface PayIntent {
  /** Names the action (e.g. `join:<team id>`): the same action tried again reuses its key. */
  action: string;
  amount: number;
  pay: (key: string, pin: string, address: Address) => Promise<void>;
}

const complete = (a: Address) => a.name.trim() !== '' && a.phone.trim() !== '' && a.line.trim() !== '';

/**
 * Paying for a team place or a bargain: the delivery address (asked once, then remembered on this
 * device, like checkout), then the PIN pad. With a saved address, the pad comes up at once — so joining
 * a team shared in a chat is the card, "Join", and the PIN.
 */
export function PayFlow({ intent, onClose }: { intent: PayIntent; onClose: () => void }) {
  const [address, setAddress] = useState<Address>(lastAddress);
  const [step, setStep] = useState<'address' | 'pin'>(complete(lastAddress()) ? 'pin' : 'address');
  const [problem, setProblem] = useState<'insufficient_balance' | 'pin_not_set' | null>(null);
  const idempotency = useIdempotency();
  // Set during a PIN attempt that the pad cannot fix: the pad then closes but this sheet stays (to say
  // why, or to correct the address).
  const stuck = useRef(false);

  const field = (name: keyof Address) => (e: Event) =>
    setAddress({ ...address, [name]: (e.currentTarget as HTMLInputElement).value });

  const toPin = (e: Event) => {
    e.preventDefault();
    const clean = { name: address.name.trim(), phone: address.phone.trim(), line: address.line.trim() };
    if (!complete(clean)) return showError(new Error(t('shop.address.missing')));
    saveAddress(clean);
    setAddress(clean);
    stuck.current = false;
    setStep('pin');
  };

  const run = async (pin: string) => {
    setProblem(null);
    const key = idempotency.keyFor(`${intent.action}:${JSON.stringify(address)}`);
    try {
      await intent.pay(key, pin, address);
      idempotency.settle();
    } catch (error) {
      idempotency.settle(error);
      const wallet = walletProblem(error);
      if (wallet) {
        // The pad cannot fix this: close it and show the way to the wallet.
        stuck.current = true;
        setProblem(wallet);
        showError(error);
        return;
      }
      if (error instanceof ApiError && error.status === 422) {
        // The address was refused (a malformed phone number, say): back to the form to correct it.
        stuck.current = true;
        setStep('address');
        showError(error);
        return;
      }
      throw error;
    }
  };

  if (problem) {
    return (
      <div class="pin-sheet gb-sheet" data-testid="gb-pay-problem-sheet">
        <WalletProblem problem={problem} />
        <button type="button" class="wide" onClick={onClose}>
          {t('groupbuy.close')}
        </button>
      </div>
    );
  }
  if (step === 'pin') {
    return (
      <PinSheet
        request={{ prompt: t('shop.pay.prompt', { amount: formatFen(intent.amount) }), run }}
        onClose={() => {
          if (!stuck.current) onClose();
        }}
      />
    );
  }
  return (
    <div class="pin-sheet gb-sheet">
      <form class="card form" data-testid="gb-address-form" onSubmit={toPin}>
        <h3>{t('shop.address.title')}</h3>
        <label>
          {t('shop.address.name')}
          <input data-testid="address-name" required maxLength={40} value={address.name} onInput={field('name')} />
        </label>
        <label>
          {t('shop.address.phone')}
          <input data-testid="address-phone" required inputMode="tel" maxLength={20} value={address.phone} onInput={field('phone')} />
        </label>
        <label>
          {t('shop.address.line')}
          <textarea data-testid="address-line" required rows={2} maxLength={200} value={address.line} onInput={field('line')} />
        </label>
        <div class="button-row">
          <button type="button" onClick={onClose} data-testid="gb-pay-cancel">
            {t('groupbuy.cancel')}
          </button>
          <button type="submit" class="primary" data-testid="gb-pay-continue">
            {t('groupbuy.payAmount', { amount: formatFen(intent.amount) })}
          </button>
        </div>
      </form>
    </div>
  );
}
