import { useRef, useState } from 'preact/hooks';
import { showError } from '../../../core/flash';
import { ApiError } from '../../../core/http';
import { t } from '../../../core/i18n';
import { useIdempotency } from '../../../core/idempotency';
import { formatFen } from '../../../core/money';
import type { Address } from '../../commerce/api';
import { AddressFields, isComplete, trimAddress } from '../../commerce/components/AddressFields';
import { WalletProblem } from '../../commerce/components/WalletProblem';
import { walletProblem } from '../../commerce/payOrders';
import { lastAddress, saveAddress } from '../../commerce/state';
import { PinSheet } from '../../wallet/components/PinSheet';

/** A group-buy payment to make: what it is (for the idempotency key), how much, and the call itself. */
export interface PayIntent {
  /** Names the action (e.g. `join:<team id>`): the same action tried again reuses its key. */
  action: string;
  amount: number;
  pay: (key: string, pin: string, address: Address) => Promise<void>;
}

/**
 * Paying for a team place or a bargain: the delivery address (asked once, then remembered on this
 * device, like checkout), then the PIN pad. With a saved address, the pad comes up at once — so joining
 * a team shared in a chat is the card, "Join", and the PIN.
 */
export function PayFlow({ intent, onClose }: { intent: PayIntent; onClose: () => void }) {
  const [address, setAddress] = useState<Address>(lastAddress);
  const [step, setStep] = useState<'address' | 'pin'>(isComplete(lastAddress()) ? 'pin' : 'address');
  const [problem, setProblem] = useState<'insufficient_balance' | 'pin_not_set' | null>(null);
  const idempotency = useIdempotency();
  // Set during a PIN attempt that the pad cannot fix: the pad then closes but this sheet stays (to say
  // why, or to correct the address).
  const stuck = useRef(false);

  const toPin = (e: Event) => {
    e.preventDefault();
    const clean = trimAddress(address);
    if (!isComplete(clean)) return showError(new Error(t('shop.address.missing')));
    saveAddress(clean);
    setAddress(clean);
    stuck.current = false;
    setStep('pin');
  };

  const run = async (pin: string) => {
    setProblem(null);
    try {
      await idempotency.run(`${intent.action}:${JSON.stringify(address)}`, (key) => intent.pay(key, pin, address));
    } catch (error) {
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
        <AddressFields address={address} onChange={setAddress} />
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
