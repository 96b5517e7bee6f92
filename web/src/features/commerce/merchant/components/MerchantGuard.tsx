import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Screen } from '../../../../core/components/Screen';
import { showError } from '../../../../core/flash';
import { ApiError } from '../../../../core/http';
import { t } from '../../../../core/i18n';
import { currentUser } from '../../../../core/session';
import { useStore } from '../../../../core/store';
import type { Me } from '../../../../core/types';
import { getShop, type Shop } from '../api';

interface Props {
  title: string;
  back?: string;
  actions?: ComponentChildren;
  children: (me: Me) => ComponentChildren;
}

/**
 * A console page: for merchant accounts its content, for everyone else a clear message (the server
 * refuses them anyway). Waits for the signed-in user, who is fetched after a reload.
 */
export function MerchantScreen({ title, back = '/merchant', actions, children }: Props) {
  const me = useStore(currentUser);
  if (!me) {
    return (
      <Screen title={title} back={back}>
        <p class="empty">{t('common.loading')}</p>
      </Screen>
    );
  }
  if (me.kind !== 'merchant') {
    return (
      <Screen title={title} back="/me">
        <section class="card merchant-only" data-testid="merchant-only">
          <p>{t('merchant.onlyMerchants')}</p>
        </section>
      </Screen>
    );
  }
  return (
    <Screen title={title} back={back} actions={actions}>
      {children(me)}
    </Screen>
  );
}

/** The merchant's own shop: `undefined` while loading, `null` when it is not set up yet (404). */
export function useMyShop(me: Me | null): { shop: Shop | null | undefined; reload: () => void; set: (shop: Shop) => void } {
  const [shop, setShop] = useState<Shop | null | undefined>(undefined);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (!me || me.kind !== 'merchant') return;
    let current = true;
    getShop(me.id).then(
      (value) => current && setShop(value),
      (error: unknown) => {
        if (!current) return;
        if (error instanceof ApiError && error.status === 404) setShop(null);
        else showError(error);
      },
    );
    return () => {
      current = false;
    };
  }, [me?.id, version]);
  return { shop, reload: () => setVersion((v) => v + 1), set: setShop };
}
