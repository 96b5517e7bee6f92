import { clearFlash, flash } from '../flash';
import { useStore } from '../store';

/** The message line under the top bar; it is in the page flow so it never covers a button. */
export function Flash() {
  const message = useStore(flash);
  if (!message) return null;
  const isError = message.kind === 'error';
  return (
    <div
      class={`flash flash-${message.kind}`}
      data-testid={isError ? 'error' : 'notice'}
      role={isError ? 'alert' : 'status'}
      onClick={clearFlash}
    >
      {message.text}
    </div>
  );
}
