import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../../core/i18n';

export const PIN_LENGTH = 6;

interface Props {
  /** What the pad asks for ("Enter your payment PIN", "Confirm the new PIN" …). */
  prompt: string;
  /** Called with the six digits once the last one is tapped. */
  onComplete: (pin: string) => void;
  onCancel?: () => void;
  busy?: boolean;
}

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '', '0', 'del'] as const;

/** A 6-digit PIN pad: dots for the digits entered, a 3×4 keypad; the keyboard works too. */
export function PinPad({ prompt, onComplete, onCancel, busy = false }: Props) {
  const [digits, setDigits] = useState('');
  // The digits so far, also in a ref: two taps before a re-render must both count.
  const entered = useRef('');

  const press = (key: string) => {
    if (busy) return;
    if (key === 'del') {
      entered.current = entered.current.slice(0, -1);
    } else if (entered.current.length < PIN_LENGTH) {
      entered.current += key;
    }
    if (entered.current.length === PIN_LENGTH) {
      const pin = entered.current;
      entered.current = ''; // clear the pad for the next entry
      setDigits('');
      onComplete(pin);
      return;
    }
    setDigits(entered.current);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (/^[0-9]$/.test(e.key)) press(e.key);
      else if (e.key === 'Backspace') press('del');
      else if (e.key === 'Escape' && onCancel) onCancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  return (
    <div class="pin-pad" data-testid="pin-pad" role="group" aria-label={prompt}>
      <p class="pin-prompt" data-testid="pin-prompt">{prompt}</p>
      <div class="pin-dots" aria-hidden="true" data-filled={digits.length}>
        {Array.from({ length: PIN_LENGTH }, (_, i) => (
          <span key={i} class={i < digits.length ? 'pin-dot filled' : 'pin-dot'} />
        ))}
      </div>
      <div class="pin-keys">
        {KEYS.map((key, i) =>
          key === '' ? (
            <span key={i} />
          ) : key === 'del' ? (
            <button
              key={i}
              type="button"
              class="pin-key"
              data-testid="pin-delete"
              aria-label={t('wallet.pinDelete')}
              disabled={busy}
              onClick={() => press('del')}
            >
              ⌫
            </button>
          ) : (
            <button
              key={i}
              type="button"
              class="pin-key"
              data-testid={`pin-digit-${key}`}
              disabled={busy}
              onClick={() => press(key)}
            >
              {key}
            </button>
          ),
        )}
      </div>
      {onCancel && (
        <button type="button" class="link-button" data-testid="pin-cancel" onClick={onCancel}>
          {t('wallet.cancel')}
        </button>
      )}
    </div>
  );
}
