import { t } from '../../../core/i18n';
import type { Address } from '../api';

/** An address with its fields trimmed. */
export const trimAddress = (a: Address): Address => ({ name: a.name.trim(), phone: a.phone.trim(), line: a.line.trim() });

/** Whether every field is filled in (the server refuses an address without one). */
export const isComplete = (a: Address): boolean => a.name.trim() !== '' && a.phone.trim() !== '' && a.line.trim() !== '';

/**
 * The delivery address of a form: its heading, then name, phone and address line. Checkout and
 * group-buy payments both ask with it (starting from the last address used, ../state.ts).
 */
export function AddressFields({ address, onChange }: { address: Address; onChange: (address: Address) => void }) {
  const field = (name: keyof Address) => (e: Event) =>
    onChange({ ...address, [name]: (e.currentTarget as HTMLInputElement).value });
  return (
    <>
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
    </>
  );
}
