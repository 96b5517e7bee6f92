import { Avatar } from '../../../core/components/Avatar';
import { t } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { listFriends, type Friend } from '../../graph/api';

interface Props {
  picked: Set<string>;
  onToggle: (userId: string) => void;
  /** Friends not to offer (already in the group). */
  exclude?: Set<string>;
  testId: string;
}

/** Friends with a checkbox each, for a new group or an invitation. */
export function FriendPicker({ picked, onToggle, exclude, testId }: Props) {
  const friends = usePaged(listFriends, []);
  const shown = friends.items.filter((friend: Friend) => !exclude?.has(friend.user.id));
  return (
    <div class="list-block">
      <ul class="list" data-testid={`${testId}s`}>
        {shown.map((friend) => (
          <li key={friend.user.id} class="row">
            <label class="pick-row" data-testid={testId} data-user-id={friend.user.id}>
              <input
                type="checkbox"
                checked={picked.has(friend.user.id)}
                onChange={() => onToggle(friend.user.id)}
              />
              <Avatar user={friend.user} />
              <span class="row-title">{friend.remark || friend.user.display_name}</span>
            </label>
          </li>
        ))}
      </ul>
      {!friends.loading && shown.length === 0 && <p class="empty">{t('chat.noFriendsToPick')}</p>}
      {friends.hasMore && (
        <button type="button" class="link-button load-more" disabled={friends.loading} onClick={friends.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </div>
  );
}

/** A set in component state that toggles members. */
export function toggled(set: Set<string>, id: string): Set<string> {
  const next = new Set(set);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}
