import { t } from '../i18n';
import type { UserCard } from '../types';

/** The account markers WeChat-style apps put next to a name: merchant, verified merchant, KOL. */
export function Badges({ user }: { user: Pick<UserCard, 'kind' | 'is_kol' | 'merchant_verified'> }) {
  return (
    <>
      {user.kind === 'merchant' && (
        <span class={user.merchant_verified ? 'badge badge-verified' : 'badge'}>
          {t(user.merchant_verified ? 'badge.verifiedMerchant' : 'badge.merchant')}
        </span>
      )}
      {user.is_kol && <span class="badge badge-kol">{t('badge.kol')}</span>}
    </>
  );
}
