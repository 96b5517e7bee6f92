import { useState } from 'preact/hooks';
import { showError } from '../../../core/flash';
import { useIdempotency } from '../../../core/idempotency';
import { t } from '../../../core/i18n';
import { formatFen, parseYuan } from '../../../core/money';
import type { Id } from '../../../core/types';
import { createRedPacket, sendTransfer } from '../../wallet/api';
import { PinSheet, type PinRequest } from '../../wallet/components/PinSheet';
import type { Chat } from '../api';
import { send } from '../chats';

type Form = 'transfer' | 'red_packet' | null;

/**
 * The composer's "+" menu: a transfer (direct chats) or a red packet (any chat). The money is made in
 * the wallet first (with the PIN and one Idempotency-Key per action, conversation_ref = this chat),
 * then a message naming it is sent into the chat.
 */
export function MoneySend({ chat, memberIds, myId }: { chat: Chat; memberIds: Id[]; myId: Id | undefined }) {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState<Form>(null);
  const [amount, setAmount] = useState('');
  const [count, setCount] = useState('1');
  const [split, setSplit] = useState<'lucky' | 'equal'>('lucky');
  const [greeting, setGreeting] = useState('');
  const [pin, setPin] = useState<PinRequest | null>(null);
  const idempotency = useIdempotency();
  const group = chat.kind === 'group';

  const choose = (next: Form) => {
    setOpen(false);
    setForm(next);
    setAmount('');
    setCount(group ? '2' : '1');
    setGreeting('');
  };

  const submit = (e: Event) => {
    e.preventDefault();
    const fen = parseYuan(amount);
    if (fen === null || fen <= 0) {
      showError(new Error(t('wallet.amountInvalid')));
      return;
    }
    const others = memberIds.filter((m) => m !== myId);
    if (form === 'transfer') {
      const to = chat.peer?.id;
      if (!to) return;
      const body = { to_user_id: to, amount: fen, conversation_ref: chat.id };
      setPin({
        prompt: t('chat.money.pinTransfer', { amount: formatFen(fen) }),
        run: async (code) => {
          const transfer = await idempotency.run(JSON.stringify(body), (key) => sendTransfer(key, { ...body, pin: code }));
          send(chat.id, { kind: 'transfer', content: { transfer_id: transfer.id }, preview: { text: t('chat.kind.transfer') } });
          setForm(null);
        },
      });
    } else if (form === 'red_packet') {
      const shares = group ? Number.parseInt(count, 10) : 1;
      const body = group
        ? { kind: 'group' as const, split, total: fen, count: shares, greeting, audience: others, conversation_ref: chat.id }
        : { kind: 'direct' as const, total: fen, greeting, to_user_id: chat.peer?.id, conversation_ref: chat.id };
      setPin({
        prompt: t('chat.money.pinRedPacket', { amount: formatFen(fen) }),
        run: async (code) => {
          const packet = await idempotency.run(JSON.stringify(body), (key) => createRedPacket(key, { ...body, pin: code }));
          send(chat.id, { kind: 'red_packet', content: { red_packet_id: packet.id }, preview: { text: `${t('chat.kind.redPacket')} ${greeting || t('wallet.greetingDefault')}` } });
          setForm(null);
        },
      });
    }
  };

  return (
    <>
      <button type="button" class="composer-icon" data-testid="chat-plus" aria-label={t('chat.more')} aria-expanded={open} onClick={() => setOpen(!open)}>
        +
      </button>
      {open && (
        <div class="money-menu" role="menu">
          {!group && (
            <button type="button" role="menuitem" data-testid="chat-transfer" onClick={() => choose('transfer')}>
              {t('wallet.transfer')}
            </button>
          )}
          <button type="button" role="menuitem" data-testid="chat-redpacket" onClick={() => choose('red_packet')}>
            {t('wallet.redPacket')}
          </button>
        </div>
      )}
      {form && !pin && (
        <form class="money-form card" data-testid="money-form" data-kind={form} onSubmit={submit}>
          <label>
            {t('wallet.amount')}
            <input data-testid="money-amount" inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
          </label>
          {form === 'red_packet' && group && (
            <>
              <label>
                {t('wallet.redPacketCount')}
                <input data-testid="money-count" inputMode="numeric" value={count} onInput={(e) => setCount(e.currentTarget.value)} />
              </label>
              <label>
                {t('wallet.redPacketSplit')}
                <select data-testid="money-split" value={split} onChange={(e) => setSplit(e.currentTarget.value as 'lucky' | 'equal')}>
                  <option value="lucky">{t('wallet.redPacketLucky')}</option>
                  <option value="equal">{t('wallet.redPacketEqual')}</option>
                </select>
              </label>
            </>
          )}
          {form === 'red_packet' && (
            <label>
              {t('wallet.greeting')}
              <input data-testid="money-greeting" placeholder={t('wallet.greetingDefault')} maxLength={60} value={greeting} onInput={(e) => setGreeting(e.currentTarget.value)} />
            </label>
          )}
          <button type="button" onClick={() => setForm(null)}>
            {t('wallet.cancel')}
          </button>
          <button type="submit" class="primary" data-testid="money-submit">
            {form === 'transfer' ? t('wallet.transferSend') : t('wallet.redPacketSend')}
          </button>
        </form>
      )}
      {pin && <PinSheet request={pin} onClose={() => setPin(null)} />}
    </>
  );
}
