/**
 * Voice recording with MediaRecorder. The browser picks the container: Chrome and Firefox record
 * WebM/Opus, Safari MP4/AAC; the server accepts both (and measures the duration itself).
 */
import { useEffect, useRef, useState } from 'preact/hooks';

export const MAX_VOICE_MS = 60_000;

export type Recording =
  | { phase: 'idle' }
  | { phase: 'starting' }
  | { phase: 'recording'; startedAt: number }
  | { phase: 'recorded'; blob: Blob; url: string; durationMs: number; filename: string };

// In order of preference; the first one the browser can record is used.
const TYPES: [mime: string, extension: string][] = [
  ['audio/webm;codecs=opus', 'webm'],
  ['audio/ogg;codecs=opus', 'ogg'],
  ['audio/mp4', 'm4a'],
  ['audio/webm', 'webm'],
];

function pickType(): [string, string] | null {
  for (const candidate of TYPES) {
    if (MediaRecorder.isTypeSupported(candidate[0])) return candidate;
  }
  return null;
}

function extensionOf(mime: string): string {
  if (mime.includes('ogg')) return 'ogg';
  if (mime.includes('mp4') || mime.includes('aac')) return 'm4a';
  if (mime.includes('mpeg')) return 'mp3';
  if (mime.includes('wav')) return 'wav';
  return 'webm';
}

export const canRecord = (): boolean =>
  typeof MediaRecorder !== 'undefined' && !!navigator.mediaDevices?.getUserMedia;

export interface Recorder {
  state: Recording;
  /** Asks for the microphone and starts; rejects when the browser cannot record or permission is refused. */
  start: () => Promise<void>;
  /** Stops; the state becomes `recorded`. */
  stop: () => void;
  /** Throws the recording away. */
  cancel: () => void;
  /** Forgets a recording that was handed on (its blob is the new owner's now). */
  clear: () => void;
}

export function useRecorder(): Recorder {
  const [state, setState] = useState<Recording>({ phase: 'idle' });
  const recorder = useRef<MediaRecorder | null>(null);
  const stream = useRef<MediaStream | null>(null);
  const limit = useRef(0);
  const keep = useRef(true);

  const release = () => {
    window.clearTimeout(limit.current);
    stream.current?.getTracks().forEach((track) => track.stop());
    stream.current = null;
    recorder.current = null;
  };

  // Leaving the page stops the microphone.
  useEffect(
    () => () => {
      keep.current = false;
      if (recorder.current && recorder.current.state !== 'inactive') recorder.current.stop();
      release();
    },
    [],
  );

  const start = async () => {
    if (recorder.current) return;
    if (!canRecord()) throw new Error('unsupported');
    setState({ phase: 'starting' });
    let media: MediaStream;
    try {
      media = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      setState({ phase: 'idle' });
      throw error;
    }
    const type = pickType();
    const rec = new MediaRecorder(media, type ? { mimeType: type[0] } : undefined);
    const chunks: Blob[] = [];
    const startedAt = Date.now();
    keep.current = true;
    rec.ondataavailable = (event) => {
      if (event.data.size > 0) chunks.push(event.data);
    };
    rec.onstop = () => {
      const durationMs = Date.now() - startedAt;
      release();
      if (!keep.current) {
        setState({ phase: 'idle' });
        return;
      }
      const mime = rec.mimeType || type?.[0] || 'audio/webm';
      const blob = new Blob(chunks, { type: mime });
      setState({
        phase: 'recorded',
        blob,
        url: URL.createObjectURL(blob),
        durationMs,
        filename: `voice.${extensionOf(mime)}`,
      });
    };
    stream.current = media;
    recorder.current = rec;
    rec.start(250);
    setState({ phase: 'recording', startedAt });
    // The server takes at most 60 seconds.
    limit.current = window.setTimeout(() => rec.state !== 'inactive' && rec.stop(), MAX_VOICE_MS - 500);
  };

  const stop = () => {
    const rec = recorder.current;
    if (rec && rec.state !== 'inactive') rec.stop();
  };

  const cancel = () => {
    if (recorder.current && recorder.current.state !== 'inactive') {
      keep.current = false;
      recorder.current.stop();
    }
    if (state.phase === 'recorded') URL.revokeObjectURL(state.url);
    setState({ phase: 'idle' });
  };

  const clear = () => {
    if (state.phase === 'recorded') URL.revokeObjectURL(state.url);
    setState({ phase: 'idle' });
  };

  return { state, start, stop, cancel, clear };
}
