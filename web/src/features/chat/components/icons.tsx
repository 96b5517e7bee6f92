/** Line icons for the chat screens, drawn in the current text colour (emoji fonts are not everywhere). */
const paths = {
  plus: 'M12 5v14M5 12h14',
  more: 'M5 12h.01M12 12h.01M19 12h.01',
  mic: 'M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM6 11a6 6 0 0 0 12 0M12 17v4',
  stop: 'M7 7h10v10H7z',
  image: 'M4 5h16v14H4zM4 16l5-5 4 4 2-2 5 5M15.5 9.5h.01',
  play: 'M8 5.5v13l10-6.5z',
  pause: 'M8 5v14M16 5v14',
  megaphone: 'M4 10v4h3l7 4V6L7 10zM17 9a4 4 0 0 1 0 6',
  muted: 'M6 16h12l-2-3V9a4 4 0 0 0-7-2.6M6 9.5V13l-2 3M10 19a2 2 0 0 0 4 0M3 3l18 18',
  file: 'M6 3h8l4 4v14H6zM14 3v4h4',
  pin: 'M12 21s-6-5.3-6-10a6 6 0 0 1 12 0c0 4.7-6 10-6 10zM12 13a2 2 0 1 0 0-4 2 2 0 0 0 0 4z',
} as const;

export type ChatIconName = keyof typeof paths;

export function ChatIcon({ name, class: className }: { name: ChatIconName; class?: string }) {
  return (
    <svg class={`icon chat-icon${className ? ` ${className}` : ''}`} viewBox="0 0 24 24" aria-hidden="true">
      <path d={paths[name]} />
    </svg>
  );
}
