import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { Avatar } from '../../../core/components/Avatar';
import { t } from '../../../core/i18n';
import type { UserCard } from '../../../core/types';
import { ProductCard } from '../../commerce/components/ProductCard';
import { BargainCard, TeamCard } from '../../groupbuy/components/ChatCards';
import type { Message, Quote } from '../api';
import type { Pending } from '../chats';
import { MoneyCard } from './MoneyCard';
import { duration, fileSize, noticeText, quotePreview } from './format';
import { ChatIcon } from './icons';

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);

export interface MessageProps {
  message: Message;
  mine: boolean;
  sender: UserCard | null;
  /** Show the sender's name above the bubble (groups). */
  showName: boolean;
  /** A direct chat's read receipt for my message: true read, false not yet, null not shown. */
  read: boolean | null;
  quoteName: (quote: Quote) => string;
  selected: boolean;
  onSelect: () => void;
  onOpenImage: (url: string) => void;
  /** The action buttons under a selected message. */
  actions: ComponentChildren;
  /** A recalled message of mine whose text can still be edited and sent again. */
  onReEdit: (() => void) | null;
}

/** Long press (touch) or right click opens the actions, like a tap on a text bubble does. */
function useLongPress(onLongPress: () => void) {
  const timer = useRef(0);
  const cancel = () => window.clearTimeout(timer.current);
  return {
    onPointerDown: (e: PointerEvent) => {
      if (e.pointerType !== 'touch') return;
      cancel();
      timer.current = window.setTimeout(onLongPress, 500);
    },
    onPointerUp: cancel,
    onPointerMove: cancel,
    onPointerCancel: cancel,
    onContextMenu: (e: Event) => {
      e.preventDefault();
      cancel();
      onLongPress();
    },
  };
}

export function MessageItem(props: MessageProps) {
  const { message, mine, sender } = props;
  const longPress = useLongPress(props.onSelect);

  if (message.kind === 'system') {
    return (
      <li class="msg-notice" data-testid="message" data-message-id={message.id} data-kind="system" data-seq={message.seq}>
        {noticeText(message)}
      </li>
    );
  }
  if (message.recalled) {
    return (
      <li class="msg-notice" data-testid="message" data-message-id={message.id} data-kind={message.kind} data-seq={message.seq} data-recalled="true">
        <span data-testid="message-recalled">
          {mine ? t('chat.youRecalled') : t('chat.recalledBy', { name: sender?.display_name ?? '' })}
        </span>
        {props.onReEdit && (
          <button type="button" class="link-button" data-testid="recall-reedit" onClick={props.onReEdit}>
            {t('chat.reEdit')}
          </button>
        )}
      </li>
    );
  }
  // Text-like bubbles open their actions on a tap; media use the tap themselves (play, view).
  const tapSelects = !['voice', 'image', 'video'].includes(message.kind);
  return (
    <li
      class={`msg-row ${mine ? 'mine' : 'theirs'}`}
      data-testid="message"
      data-message-id={message.id}
      data-kind={message.kind}
      data-seq={message.seq}
      data-mine={mine ? 'true' : 'false'}
    >
      {sender ? <Avatar user={sender} /> : <span class="avatar avatar-small avatar-unknown" aria-hidden="true" />}
      <div class="msg-body">
        {props.showName && !mine && <div class="msg-sender">{sender?.display_name ?? '…'}</div>}
        <div
          class={`bubble bubble-${message.kind}${props.selected ? ' selected' : ''}`}
          onClick={tapSelects ? props.onSelect : undefined}
          role={tapSelects ? 'button' : undefined}
          tabIndex={tapSelects ? 0 : undefined}
          aria-expanded={tapSelects ? props.selected : undefined}
          onKeyDown={(e) => {
            if (tapSelects && (e.key === 'Enter' || e.key === ' ') && e.target === e.currentTarget) {
              e.preventDefault();
              props.onSelect();
            }
          }}
          {...longPress}
        >
          {message.forwarded && <div class="msg-forwarded">{t('chat.forwarded')}</div>}
          {message.reply_to && (
            <div class="msg-quote" data-testid="message-quote">
              <span class="msg-quote-name">{props.quoteName(message.reply_to)}:</span>{' '}
              {quotePreview(message.reply_to.kind, message.reply_to.preview, message.reply_to.recalled)}
            </div>
          )}
          <Content message={message} onOpenImage={props.onOpenImage} />
        </div>
        {props.read !== null && (
          <div class="msg-receipt" data-testid="read-receipt">
            {props.read ? t('chat.read') : t('chat.delivered')}
          </div>
        )}
        {props.selected && (
          <div class="msg-actions" role="toolbar">
            {props.actions}
          </div>
        )}
      </div>
    </li>
  );
}

function Content({ message, onOpenImage }: { message: Message; onOpenImage: (url: string) => void }) {
  const content = message.content ?? {};
  switch (message.kind) {
    case 'text':
      return <div class="msg-text" data-testid="message-text">{str(content.text)}</div>;
    case 'voice':
      return <Voice url={str(content.url)} durationMs={num(content.duration_ms)} />;
    case 'image':
      return (
        <ImageContent
          url={str(content.url)}
          thumb={str(content.thumb_url) || str(content.url)}
          width={num(content.width)}
          height={num(content.height)}
          onOpen={onOpenImage}
        />
      );
    case 'video':
      return (
        <video
          class="msg-video"
          data-testid="video-player"
          src={str(content.url)}
          poster={str(content.thumb_url) || undefined}
          controls
          preload="metadata"
        />
      );
    case 'file':
      return (
        <a class="msg-file" href={str(content.url)} download={str(content.filename) || true} data-testid="file-link">
          <ChatIcon name="file" class="msg-file-icon" />
          <span>
            {str(content.filename) || t('chat.kind.file')}
            <br />
            <span class="muted">{fileSize(num(content.size_bytes) ?? 0)}</span>
          </span>
        </a>
      );
    case 'location': {
      const lat = num(content.latitude) ?? 0;
      const lon = num(content.longitude) ?? 0;
      return (
        <a
          class="msg-location"
          href={`https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`}
          target="_blank"
          rel="noopener noreferrer"
          onClick={(e) => e.stopPropagation()}
        >
          <ChatIcon name="pin" /> {str(content.name) || `${lat.toFixed(5)}, ${lon.toFixed(5)}`}
          {str(content.address) && <span class="muted"> · {str(content.address)}</span>}
        </a>
      );
    }
    case 'transfer':
    case 'red_packet':
      return <MoneyCard message={message} />;
    case 'product':
      return <ProductCard message={message} />;
    case 'group_team':
      return <TeamCard message={message} />;
    case 'bargain':
      return <BargainCard message={message} />;
    default:
      return <div class="msg-text muted">{t('chat.kind.unsupported')}</div>;
  }
}

/** A voice message: the bubble plays and pauses it; its width grows with the duration, as in WeChat. */
export function Voice({ url, durationMs }: { url: string; durationMs: number | null }) {
  const audio = useRef<HTMLAudioElement>(null);
  const [state, setState] = useState<'idle' | 'playing' | 'paused' | 'ended'>('idle');
  const seconds = Math.round((durationMs ?? 0) / 1000);
  const toggle = (e: Event) => {
    e.stopPropagation();
    const element = audio.current;
    if (!element) return;
    if (element.paused) {
      // Only one voice message plays at a time.
      for (const other of document.querySelectorAll<HTMLAudioElement>('audio.voice-audio')) {
        if (other !== element) other.pause();
      }
      if (element.ended) element.currentTime = 0;
      void element.play().catch(() => setState('paused'));
    } else {
      element.pause();
    }
  };
  return (
    <>
      <button
        type="button"
        class={`voice-bubble ${state}`}
        data-testid="voice-play"
        data-state={state}
        style={{ width: `${Math.min(72 + seconds * 4, 210)}px` }}
        aria-label={state === 'playing' ? t('chat.voice.pause') : t('chat.voice.play')}
        onClick={toggle}
      >
        <ChatIcon name={state === 'playing' ? 'pause' : 'play'} class="voice-icon" />
        <span class="voice-duration">{duration(durationMs)}</span>
      </button>
      <audio
        ref={audio}
        class="voice-audio"
        data-testid="voice-player"
        src={url}
        preload="metadata"
        onPlaying={() => setState('playing')}
        onPause={() => setState((s) => (s === 'ended' ? s : 'paused'))}
        onEnded={() => setState('ended')}
      />
    </>
  );
}

function ImageContent(props: { url: string; thumb: string; width: number | null; height: number | null; onOpen: (url: string) => void }) {
  const { width, height } = props;
  // Reserve the picture's shape before it loads, so the list does not jump.
  const ratio = width && height ? `${width} / ${height}` : undefined;
  return (
    <button
      type="button"
      class="msg-image-button"
      onClick={(e) => {
        e.stopPropagation();
        props.onOpen(props.url);
      }}
      aria-label={t('chat.kind.image')}
    >
      <img class="msg-image" data-testid="message-image" src={props.thumb} alt="" style={ratio ? { aspectRatio: ratio } : undefined} />
    </button>
  );
}

/** A message this client is still sending (or failed to send). */
export function PendingItem({
  item,
  me,
  onRetry,
  onDiscard,
}: {
  item: Pending;
  me: UserCard | null;
  onRetry: () => void;
  onDiscard: () => void;
}) {
  let body: ComponentChildren;
  if (item.kind === 'voice') {
    body = (
      <span class="voice-bubble pending">
        <ChatIcon name="play" class="voice-icon" /> {duration(item.preview.durationMs)}
      </span>
    );
  } else if (item.kind === 'image' && item.preview.url) {
    body = <img class="msg-image" src={item.preview.url} alt="" />;
  } else {
    body = <div class="msg-text">{item.preview.text ?? ''}</div>;
  }
  return (
    <li class="msg-row mine" data-testid="message-pending" data-client-id={item.clientId} data-state={item.state} data-kind={item.kind}>
      {me ? <Avatar user={me} /> : <span class="avatar avatar-small avatar-unknown" aria-hidden="true" />}
      <div class="msg-body">
        <div class={`bubble bubble-${item.kind}`}>
          {item.replyTo && <div class="msg-quote">{quotePreview(item.replyTo.kind, item.replyTo.preview, item.replyTo.recalled)}</div>}
          {body}
        </div>
        {item.state === 'sending' ? (
          <div class="msg-receipt">
            <span class="spinner" aria-hidden="true" /> {t('chat.sending')}
          </div>
        ) : (
          <div class="msg-failed" role="alert">
            <span>{item.error ?? t('chat.failed')}</span>
            <button type="button" class="link-button" data-testid="message-retry" onClick={onRetry}>
              {t('chat.retry')}
            </button>
            <button type="button" class="link-button" data-testid="message-discard" onClick={onDiscard}>
              {t('common.delete')}
            </button>
          </div>
        )}
      </div>
    </li>
  );
}
