import { useState } from 'preact/hooks';
import { clearFlash, showError } from '../../../core/flash';
import { PinPad } from './PinPad';

/** What the PIN is asked for: the prompt, and the action to run with it (throws on failure). */
export interface PinRequest {
  prompt: string;
  run: (pin: string) => Promise<void>;
}

/**
 * The PIN pad as a sheet over the page, for one payment: the PIN is sent with the action; on an error
 * (a wrong PIN, say) the pad stays for another try, and the message line says why.
 */
export function PinSheet({ request, onClose }: { request: PinRequest; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const complete = async (pin: string) => {
    setBusy(true);
    clearFlash();
    try {
      await request.run(pin);
      onClose();
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="pin-sheet" data-testid="pin-sheet">
      <PinPad prompt={request.prompt} busy={busy} onComplete={(pin) => void complete(pin)} onCancel={onClose} />
    </div>
  );
}
