import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { showError, showNotice } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { useIdempotency } from '../../../core/idempotency';
import { parseYuan } from '../../../core/money';
import { navigate } from '../../../core/router';
import { createRedPacket, type RedPacketBody } from '../api';
import { FriendChoice } from '../components/FriendChoice';
import { PinSheet, type PinRequest } from '../components/PinSheet';

/**
 * Send a red packet: to one friend (direct), or N shares, lucky or equal, that any of the sender's
 * friends may grab (a group packet without a chat: the server's default audience is the friends).
 */
export function WalletRedPacketPage({ to }: { to?: string }) {
  const [kind, setKind] = useState<'direct' | 'group'>(to ? 'direct' : 'group');
  const [split, setSplit] = useState<'lucky' | 'equal'>('lucky');
  const [receiver, setReceiver] = useState(to ?? '');
  const [total, setTotal] = useState('');
  const [count, setCount] = useState('1');
  const [greeting, setGreeting] = useState('');
  const [pinRequest, setPinRequest] = useState<PinRequest | null>(null);
  const idempotency = useIdempotency();

  const submit = (e: Event) => {
    e.preventDefault();
    const fen = parseYuan(total);
    if (fen === null) return showError(new Error(t('wallet.amountInvalid')));
    const body: Omit<RedPacketBody, 'pin'> = { kind, total: fen, greeting: greeting.trim() || t('wallet.greetingDefault') };
    if (kind === 'direct') {
      if (!receiver) return showError(new Error(t('wallet.pickFriend')));
      body.to_user_id = receiver;
    } else {
      body.split = split;
      body.count = Number.parseInt(count, 10) || 1;
    }
    setPinRequest({
      prompt: t('wallet.pinEnter'),
      run: async (pin) => {
        const packet = await idempotency.run(JSON.stringify(body), (key) => createRedPacket(key, { ...body, pin }));
        navigate(`/wallet/red-packets/${packet.id}`);
        showNotice(t('wallet.redPacketSent'));
      },
    });
  };

  return (
    <Screen title={t('wallet.redPacketTitle')} back="/wallet">
      <form class="card form" onSubmit={submit}>
        {!to && (
          <label>
            {t('wallet.redPacketKind')}
            <select data-testid="redpacket-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as 'direct' | 'group')}>
              <option value="group">{t('wallet.redPacketGroup')}</option>
              <option value="direct">{t('wallet.redPacketDirect')}</option>
            </select>
          </label>
        )}
        {kind === 'direct' && !to && <FriendChoice picked={receiver} onPick={setReceiver} />}
        {kind === 'group' && (
          <>
            <label>
              {t('wallet.redPacketSplit')}
              <select data-testid="redpacket-split" value={split} onChange={(e) => setSplit(e.currentTarget.value as 'lucky' | 'equal')}>
                <option value="lucky">{t('wallet.redPacketLucky')}</option>
                <option value="equal">{t('wallet.redPacketEqual')}</option>
              </select>
            </label>
            <label>
              {t('wallet.redPacketCount')}
              <input
                data-testid="redpacket-count"
                type="number"
                min={1}
                max={100}
                step={1}
                required
                value={count}
                onInput={(e) => setCount(e.currentTarget.value)}
              />
            </label>
          </>
        )}
        <label>
          {t('wallet.redPacketTotal')}
          <input
            data-testid="redpacket-total"
            inputMode="decimal"
            required
            placeholder="0.00"
            value={total}
            onInput={(e) => setTotal(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('wallet.greeting')}
          <input
            data-testid="redpacket-greeting"
            maxLength={60}
            placeholder={t('wallet.greetingDefault')}
            value={greeting}
            onInput={(e) => setGreeting(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary" data-testid="redpacket-submit">
          {t('wallet.redPacketSend')}
        </button>
      </form>
      {pinRequest && <PinSheet request={pinRequest} onClose={() => setPinRequest(null)} />}
    </Screen>
  );
}
