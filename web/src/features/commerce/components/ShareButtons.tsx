import { useState } from 'preact/hooks';
import { showNotice, useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import type { Id } from '../../../core/types';
import { sendMessage } from '../../chat/api';
import { ChatPicker } from '../../chat/components/ChatPicker';
import { createMoment } from '../../feed/api';
import { createShare, type Product, type ShareChannel, type ShareLink } from '../api';
import { absoluteShareUrl, shareFor } from '../state';

type Panel = 'chat' | 'moment' | 'link' | null;

/**
 * "Share to chat", "Share to Moments" and "Copy link" for a product. Each share makes a link of its
 * own (POST /shares, with the link this viewer came from, so the chain of sharers is kept).
 */
export function ShareButtons({ product }: { product: Product }) {
  const [panel, setPanel] = useState<Panel>(null);
  const [busy, run] = useAction();
  const [link, setLink] = useState<string | null>(null);
  const [text, setText] = useState('');

  const share = (channel: ShareChannel): Promise<ShareLink> => {
    const via = shareFor(product.id)?.token;
    return createShare({ product_id: product.id, channel, ...(via ? { via_token: via } : {}) });
  };

  const toChat = (chatId: Id) =>
    run(async () => {
      const made = await share('chat');
      await sendMessage(chatId, {
        kind: 'product',
        content: { share_token: made.token },
        client_msg_id: crypto.randomUUID(),
      });
      setPanel(null);
    }, t('shop.share.sentToChat'));

  const toMoments = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const made = await share('moment');
      const url = absoluteShareUrl(made.url);
      const body = `${text.trim() || t('shop.share.momentDefault', { title: product.title })}\n${url}`;
      // The feed keeps the product as the Moment's share; the link in the text carries the attribution.
      const moment = { body, visibility: 'friends' as const, share: { kind: 'product', ref: product.id, title: product.title.slice(0, 100) } };
      await createMoment(moment);
      setPanel(null);
      setText('');
    }, t('shop.share.postedToMoments'));
  };

  const copyLink = () =>
    run(async () => {
      const made = await share('link');
      const url = absoluteShareUrl(made.url);
      setLink(url);
      setPanel('link');
      try {
        await navigator.clipboard.writeText(url);
        showNotice(t('shop.share.copied'));
      } catch {
        // No clipboard (an insecure origin, a denied permission): the link is shown to copy by hand.
        showNotice(t('shop.share.copyByHand'));
      }
    });

  return (
    <section class="card share-card" data-testid="share-buttons">
      <div class="button-row">
        <button type="button" class="small" data-testid="share-chat" disabled={busy} onClick={() => setPanel(panel === 'chat' ? null : 'chat')}>
          {t('shop.share.toChat')}
        </button>
        <button type="button" class="small" data-testid="share-moment" disabled={busy} onClick={() => setPanel(panel === 'moment' ? null : 'moment')}>
          {t('shop.share.toMoments')}
        </button>
        <button type="button" class="small" data-testid="share-copy" disabled={busy} onClick={copyLink}>
          {t('shop.share.copyLink')}
        </button>
      </div>
      {panel === 'chat' && (
        <ChatPicker
          title={t('shop.share.pickChat')}
          empty={t('shop.share.noChats')}
          busy={busy}
          onPick={(id) => void toChat(id)}
          testId="share-chat"
        />
      )}
      {panel === 'moment' && (
        <form class="form share-moment-form" onSubmit={toMoments}>
          <textarea
            data-testid="share-moment-text"
            rows={2}
            maxLength={500}
            placeholder={t('shop.share.momentDefault', { title: product.title })}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <button type="submit" class="primary small" data-testid="share-moment-submit" disabled={busy}>
            {t('shop.share.postToMoments')}
          </button>
        </form>
      )}
      {panel === 'link' && link && (
        <input class="share-link-text" data-testid="share-link-text" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
      )}
    </section>
  );
}
