import type { ComponentChildren } from 'preact';
import { href } from '../router';
import type { UserCard } from '../types';
import { Avatar } from './Avatar';
import { Badges } from './Badges';

interface Props {
  user: UserCard;
  testId: string;
  /** Shown instead of the display name (a friend's remark); the display name then moves to the second line. */
  title?: string | null;
  /** Extra line under the name (a request's message, a friend's tags). */
  detail?: ComponentChildren;
  /** Buttons at the end of the row; they sit outside the link so clicking one does not open the profile. */
  actions?: ComponentChildren;
}

/** One person in a list; the name part links to their page. */
export function UserRow({ user, testId, title, detail, actions }: Props) {
  const handle = user.username ? `@${user.username}` : '';
  const subtitle = title ? [user.display_name, handle].filter(Boolean).join(' · ') : handle;
  return (
    <li class="row" data-testid={testId} data-user-id={user.id}>
      <a class="row-main" href={href(`/users/${user.id}`)}>
        <Avatar user={user} />
        <span class="row-text">
          <span class="row-title">
            {title || user.display_name} <Badges user={user} />
          </span>
          {subtitle && <span class="row-subtitle">{subtitle}</span>}
          {detail && <span class="row-detail">{detail}</span>}
        </span>
      </a>
      {actions && <span class="row-actions">{actions}</span>}
    </li>
  );
}
