import { t } from '../../../core/i18n';
import { href } from '../../../core/router';

/** A payment the wallet cannot make yet: too little money, or no PIN; with the way to the wallet. */
export function WalletProblem({ problem }: { problem: 'insufficient_balance' | 'pin_not_set' }) {
  return (
    <section class="card problem" data-testid="pay-problem" data-code={problem} role="alert">
      <p>{problem === 'insufficient_balance' ? t('shop.pay.insufficient') : t('shop.pay.noPin')}</p>
      <a class="wallet-button" href={href('/wallet')} data-testid="goto-wallet">
        {problem === 'insufficient_balance' ? t('shop.pay.topUp') : t('shop.pay.setPin')} ›
      </a>
    </section>
  );
}
