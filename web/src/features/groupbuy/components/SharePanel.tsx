import { useState } from 'preact/hooks';
import { useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import type { Id } from '../../../core/types';
import { sendMessage } from '../../chat/api';
import { ChatPicker } from '../../chat/components/ChatPicker';
import { absoluteShareUrl } from '../../commerce/state';
import { createMoment } from '../../feed/api';

interface Props {
  /** The chat message: `group_team` with `{team_id}`, or `bargain` with `{bargain_id}`. */
  kind: 'group_team' | 'bargain';
  content: Record<string, string>;
  /** The Moment's default text. */
  momentText: string;
  /** The link the Moment carries (a path like `/#/teams/1?s=…`), made when the Moment is posted. */
  momentLink: () => Promise<string>;
  title: string;
}

/** "Share to chat" (a card the friends tap to join or help) and "Share to Moments". */
export function SharePanel({ kind, content, momentText, momentLink, title }: Props) {
  const [panel, setPanel] = useState<'chat' | 'moment' | null>(null);
  const [text, setText] = useState('');
  const [busy, run] = useAction();

  const toChat = (chatId: Id) =>
    run(async () => {
      await sendMessage(chatId, { kind, content, client_msg_id: crypto.randomUUID() });
      setPanel(null);
    }, t('groupbuy.share.sentToChat'));

  const toMoments = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const url = absoluteShareUrl(await momentLink());
      const body = `${text.trim() || momentText}\n${url}`;
      // The Moment carries the link as its share (the feed's MomentIn type does not list `share` yet).
      const moment = { body, visibility: 'friends' as const, share: { kind: 'link', ref: url, title: title.slice(0, 100) } };
      await createMoment(moment);
      setPanel(null);
      setText('');
    }, t('groupbuy.share.postedToMoments'));
  };

  return (
    <section class="card share-card" data-testid="gb-share">
      <div class="button-row">
        <button type="button" class="small" data-testid="gb-share-chat" disabled={busy} onClick={() => setPanel(panel === 'chat' ? null : 'chat')}>
          {t('groupbuy.share.toChat')}
        </button>
        <button type="button" class="small" data-testid="gb-share-moment" disabled={busy} onClick={() => setPanel(panel === 'moment' ? null : 'moment')}>
          {t('groupbuy.share.toMoments')}
        </button>
      </div>
      {panel === 'chat' && (
        <ChatPicker
          title={t('groupbuy.share.pickChat')}
          empty={t('groupbuy.share.noChats')}
          busy={busy}
          onPick={(id) => void toChat(id)}
          testId="gb-share-chat"
        />
      )}
      {panel === 'moment' && (
        <form class="form share-moment-form" onSubmit={toMoments}>
          <textarea
            data-testid="gb-share-moment-text"
            rows={2}
            maxLength={500}
            placeholder={momentText}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <button type="submit" class="primary small" data-testid="gb-share-moment-submit" disabled={busy}>
            {t('groupbuy.share.post')}
          </button>
        </form>
      )}
    </section>
  );
}
