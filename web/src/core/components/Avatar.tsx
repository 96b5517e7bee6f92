interface Props {
  user: { display_name: string; avatar_url: string | null };
  size?: 'small' | 'large';
}

/** The user's picture, or the first character of their name on a colour derived from it. */
export function Avatar({ user, size = 'small' }: Props) {
  if (user.avatar_url) {
    return <img class={`avatar avatar-${size}`} src={user.avatar_url} alt="" />;
  }
  const initial = [...user.display_name.trim()][0] ?? '?';
  let hash = 0;
  for (const ch of user.display_name) hash = (hash * 31 + ch.codePointAt(0)!) % 360;
  return (
    <span class={`avatar avatar-${size}`} style={{ background: `hsl(${hash}, 45%, 55%)` }} aria-hidden="true">
      {initial.toUpperCase()}
    </span>
  );
}
