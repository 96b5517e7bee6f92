import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { href, route } from '../../../core/router';
import { createGroup } from '../api';
import { putChat } from '../chats';
import { FriendPicker, toggled } from '../components/FriendPicker';

/** Start a group with some of one's friends; the creator is its owner. */
export function NewGroupPage() {
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [title, setTitle] = useState('');
  const [busy, run] = useAction();

  const create = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      const name = title.trim();
      const chat = await createGroup({ member_ids: [...picked], ...(name && { title: name }) });
      putChat(chat, true);
      // The group replaces this form in the history: "back" from it leads to the chat list.
      window.history.replaceState(null, '', href(`/chats/${chat.id}`));
      route.set(`/chats/${chat.id}`);
    });
  };

  return (
    <Screen title={t('chat.newGroup')} back="/chats">
      <form class="form" onSubmit={create}>
        <section class="card form">
          <label>
            {t('chat.groupName')}
            <input
              data-testid="group-title"
              maxLength={64}
              placeholder={t('chat.groupNamePlaceholder')}
              value={title}
              onInput={(e) => setTitle(e.currentTarget.value)}
            />
          </label>
        </section>
        <section class="card">
          <h3>{t('chat.pickFriends')}</h3>
          <FriendPicker testId="group-member-option" picked={picked} onToggle={(id) => setPicked((p) => toggled(p, id))} />
        </section>
        <button type="submit" class="primary wide" data-testid="group-create" disabled={busy || picked.size === 0}>
          {t('chat.createGroup', { count: picked.size + 1 })}
        </button>
      </form>
    </Screen>
  );
}
