import { useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { openDirectChat, sendMessage } from '../../chat/api';

/**
 * Transfers and red packets are not chat messages yet (docs/wallet.md, "Not yet"), and the server
 * lists no one's incoming transfers: the sender passes the link on, here as a text message in the
 * direct chat with the receiver.
 */
export function ShareLink({ path, text, chatWith }: { path: string; text: string; chatWith?: string }) {
  const [busy, run] = useAction();
  const url = `${window.location.origin}${window.location.pathname}#${path}`;
  const send = () =>
    run(async () => {
      if (!chatWith) return;
      const chat = await openDirectChat(chatWith);
      await sendMessage(chat.id, { kind: 'text', content: { text: `${text} ${url}` }, client_msg_id: crypto.randomUUID() });
    }, t('wallet.linkSent'));
  return (
    <section class="card">
      <p class="hint">{t('wallet.shareLink')}</p>
      <p class="share-link" data-testid="share-link">
        {url}
      </p>
      {chatWith && (
        <button type="button" data-testid="share-in-chat" disabled={busy} onClick={() => void send()}>
          {t('wallet.sendInChat')}
        </button>
      )}
    </section>
  );
}
