import { useEffect, useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { showError } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { href } from '../../../core/router';
import { openShare } from '../api';
import { rememberShare } from '../state';

/**
 * A share link (`#/s/<token>`): records the open (POST /shares/{token}/open), remembers the token for
 * the product (adding it to the cart passes it on), then shows the product in this page's place, so
 * "back" does not land on the link again.
 */
export function ShareOpenPage({ token }: { token: string }) {
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    openShare(token).then(
      (opened) => {
        rememberShare(opened.product.id, token, opened.sharer.display_name);
        window.location.replace(href(`/p/${opened.product.id}`));
      },
      (error: unknown) => {
        setFailed(true);
        showError(error);
      },
    );
  }, [token]);
  return (
    <Screen title={t('shop.product')} back="/shop">
      <p class="empty" data-testid="share-opening">
        {failed ? t('shop.share.broken') : t('common.loading')}
      </p>
    </Screen>
  );
}
