import { useState } from 'preact/hooks';
import { attempt, showError } from '../../../core/flash';
import { formatTime, t } from '../../../core/i18n';
import { setPin, type Wallet } from '../api';
import { PinPad } from './PinPad';

type Step = { name: 'idle' } | { name: 'current' } | { name: 'new'; current?: string } | { name: 'confirm'; current?: string; first: string };

/** Set the payment PIN (twice, to confirm), or change it (the current one, then the new one twice). */
export function PinSettings({ wallet, onSaved }: { wallet: Wallet; onSaved: () => void }) {
  const [step, setStep] = useState<Step>({ name: 'idle' });
  const [busy, setBusy] = useState(false);

  const save = async (current: string | undefined, pin: string) => {
    setBusy(true);
    const ok = await attempt(() => setPin({ new_pin: pin, ...(current ? { current_pin: current } : {}) }), t('wallet.pinSaved'));
    setBusy(false);
    setStep({ name: 'idle' });
    if (ok) onSaved();
  };

  const onDigits = (pin: string) => {
    if (step.name === 'current') setStep({ name: 'new', current: pin });
    else if (step.name === 'new') setStep({ name: 'confirm', current: step.current, first: pin });
    else if (step.name === 'confirm') {
      if (pin !== step.first) {
        showError(new Error(t('wallet.pinMismatch')));
        setStep({ name: 'new', current: step.current });
      } else void save(step.current, pin);
    }
  };

  const prompt =
    step.name === 'current' ? t('wallet.pinEnterCurrent') : step.name === 'new' ? t('wallet.pinEnterNew') : t('wallet.pinConfirmNew');

  return (
    <section class="card wallet-pin" data-testid="wallet-pin" data-pin-set={String(wallet.pin_set)}>
      <h3>{t('wallet.pinTitle')}</h3>
      <p class="hint">{wallet.pin_set ? t('wallet.pinIsSet') : t('wallet.pinNotSet')}</p>
      {wallet.pin_locked_until && new Date(wallet.pin_locked_until) > new Date() && (
        <p class="hint" data-testid="pin-locked">
          {t('wallet.pinLocked', { time: formatTime(wallet.pin_locked_until) })}
        </p>
      )}
      {step.name === 'idle' ? (
        <button
          type="button"
          class={wallet.pin_set ? '' : 'primary'}
          data-testid="pin-setup"
          onClick={() => setStep(wallet.pin_set ? { name: 'current' } : { name: 'new' })}
        >
          {wallet.pin_set ? t('wallet.pinChange') : t('wallet.pinSet')}
        </button>
      ) : (
        // A new key per step: each step starts with an empty pad.
        <PinPad key={step.name} prompt={prompt} busy={busy} onComplete={onDigits} onCancel={() => setStep({ name: 'idle' })} />
      )}
    </section>
  );
}
