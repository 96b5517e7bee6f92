import { useEffect, useRef, useState } from 'preact/hooks';
import { showError } from '../../../core/flash';
import { t } from '../../../core/i18n';
import type { Chat, Message } from '../api';
import { send, sendTyping } from '../chats';
import { MoneySend } from './MoneySend';
import { duration } from './format';
import { ChatIcon } from './icons';
import { canRecord, useRecorder } from './useRecorder';

interface Props {
  chat: Chat;
  replyTo: Message | null;
  replyPreview: string;
  onCancelReply: () => void;
  /** Text to put in the box (re-editing a recalled message); `key` changes each time. */
  prefill: { text: string; key: number } | null;
  /** The chat's members (ids), for a group red packet's audience. */
  memberIds?: string[];
  myId?: string;
}

const HOLD_MS = 600;

/** Text, voice and picture sending, with the message being answered above the box. */
export function Composer({ chat, replyTo, replyPreview, onCancelReply, prefill, memberIds = [], myId }: Props) {
  const [text, setText] = useState('');
  const box = useRef<HTMLTextAreaElement>(null);
  const recorder = useRecorder();
  const [elapsed, setElapsed] = useState(0);
  // A press on the voice button that started recording: a tap keeps recording, a hold stops on release.
  const press = useRef<{ at: number } | null>(null);
  const { state } = recorder;

  useEffect(() => {
    if (!prefill) return;
    setText(prefill.text);
    box.current?.focus();
  }, [prefill?.key]);

  useEffect(() => {
    if (state.phase !== 'recording') return;
    setElapsed(0);
    const timer = window.setInterval(() => setElapsed(Date.now() - state.startedAt), 200);
    return () => window.clearInterval(timer);
  }, [state.phase]);

  const afterSend = () => {
    if (replyTo) onCancelReply();
  };

  const sendText = () => {
    const value = text.trim();
    if (!value) return;
    send(chat.id, { kind: 'text', content: { text: value }, preview: { text: value }, replyTo });
    setText('');
    afterSend();
    box.current?.focus();
  };

  const startRecording = () => {
    recorder.start().catch((error: unknown) => {
      press.current = null;
      showError(
        error instanceof Error && error.message === 'unsupported'
          ? t('chat.voice.unsupported')
          : t('chat.voice.denied'),
      );
    });
  };

  const onVoicePointerDown = () => {
    if (state.phase !== 'idle') return;
    press.current = { at: Date.now() };
    startRecording();
  };

  const onVoicePointerUp = () => {
    if (press.current && Date.now() - press.current.at >= HOLD_MS) recorder.stop();
  };

  const onVoiceClick = () => {
    if (press.current) {
      // The press already started (tap) or started and stopped (hold) the recording.
      press.current = null;
      return;
    }
    if (state.phase === 'idle') startRecording();
    else if (state.phase === 'recording') recorder.stop();
  };

  const sendVoice = () => {
    if (state.phase !== 'recorded') return;
    send(chat.id, {
      kind: 'voice',
      upload: { kind: 'voice', file: state.blob, filename: state.filename },
      preview: { url: URL.createObjectURL(state.blob), durationMs: state.durationMs },
      replyTo,
    });
    recorder.clear();
    afterSend();
  };

  const sendImage = (input: HTMLInputElement) => {
    const files = [...(input.files ?? [])];
    input.value = '';
    for (const file of files) {
      send(chat.id, {
        kind: 'image',
        upload: { kind: 'image', file, filename: file.name || 'image' },
        preview: { url: URL.createObjectURL(file) },
        replyTo,
      });
    }
    if (files.length) afterSend();
  };

  const recording = state.phase === 'recording' || state.phase === 'starting';

  return (
    <footer class="composer">
      {replyTo && (
        <div class="composer-reply" data-testid="composer-reply">
          <span class="composer-reply-text">{replyPreview}</span>
          <button type="button" class="link-button" data-testid="reply-cancel" aria-label={t('chat.cancelReply')} onClick={onCancelReply}>
            ✕
          </button>
        </div>
      )}
      {state.phase === 'recorded' ? (
        <div class="composer-row voice-review">
          <audio class="voice-review-audio" data-testid="voice-preview" src={state.url} controls preload="metadata" />
          <span class="muted">{duration(state.durationMs)}</span>
          <button type="button" data-testid="voice-cancel" onClick={recorder.cancel}>
            {t('chat.voice.discard')}
          </button>
          <button type="button" class="primary" data-testid="voice-send" onClick={sendVoice}>
            {t('chat.send')}
          </button>
        </div>
      ) : (
        <div class="composer-row">
          {canRecord() && (
            <button
              type="button"
              class={`composer-icon${recording ? ' recording' : ''}`}
              data-testid="voice-record"
              data-state={state.phase}
              aria-pressed={recording}
              aria-label={recording ? t('chat.voice.stop') : t('chat.voice.record')}
              title={t('chat.voice.hint')}
              onPointerDown={onVoicePointerDown}
              onPointerUp={onVoicePointerUp}
              onClick={onVoiceClick}
            >
              <ChatIcon name={recording ? 'stop' : 'mic'} />
            </button>
          )}
          {recording ? (
            <div class="recording-indicator" data-testid="voice-recording" role="status">
              <span class="recording-dot" aria-hidden="true" />
              {t('chat.voice.recording', { time: duration(elapsed) })}
            </div>
          ) : (
            <>
              <textarea
                ref={box}
                class="composer-input"
                data-testid="composer-input"
                rows={1}
                maxLength={5000}
                placeholder={t('chat.placeholder')}
                aria-label={t('chat.placeholder')}
                value={text}
                onInput={(e) => {
                  setText(e.currentTarget.value);
                  if (chat.kind === 'direct') sendTyping(chat.id);
                }}
                onKeyDown={(e) => {
                  // Enter sends; Shift+Enter (and composing Chinese with an IME) does not.
                  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
                    e.preventDefault();
                    sendText();
                  }
                }}
              />
              <MoneySend chat={chat} memberIds={memberIds} myId={myId} />
              <label class="composer-icon" title={t('chat.sendImage')}>
                <input
                  type="file"
                  class="visually-hidden"
                  accept="image/jpeg,image/png,image/webp,image/gif"
                  multiple
                  data-testid="image-input"
                  aria-label={t('chat.sendImage')}
                  onChange={(e) => sendImage(e.currentTarget)}
                />
                <ChatIcon name="image" />
              </label>
              <button type="button" class="primary composer-send" data-testid="composer-send" disabled={!text.trim()} onClick={sendText}>
                {t('chat.send')}
              </button>
            </>
          )}
        </div>
      )}
    </footer>
  );
}
