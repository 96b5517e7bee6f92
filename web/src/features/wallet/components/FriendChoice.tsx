import { Avatar } from '../../../core/components/Avatar';
import { t } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { listFriends } from '../../graph/api';

/** One friend, picked with a radio button: who a transfer or a direct red packet goes to. */
export function FriendChoice({ picked, onPick }: { picked: string; onPick: (userId: string) => void }) {
  const friends = usePaged(listFriends, []);
  return (
    <fieldset class="list-block">
      <legend>{t('wallet.pickFriend')}</legend>
      <ul class="list" data-testid="wallet-friends">
        {friends.items.map((friend) => (
          <li key={friend.user.id} class="row">
            <label class="pick-row" data-testid="wallet-friend" data-user-id={friend.user.id}>
              <input
                type="radio"
                name="wallet-friend"
                checked={picked === friend.user.id}
                onChange={() => onPick(friend.user.id)}
              />
              <Avatar user={friend.user} />
              <span class="row-title">{friend.remark || friend.user.display_name}</span>
            </label>
          </li>
        ))}
      </ul>
      {!friends.loading && friends.items.length === 0 && <p class="empty">{t('wallet.noFriends')}</p>}
      {friends.hasMore && (
        <button type="button" class="link-button load-more" disabled={friends.loading} onClick={friends.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </fieldset>
  );
}
