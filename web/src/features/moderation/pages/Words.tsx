import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { useAction } from '../../../core/flash';
import { t, type MessageKey } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { addWord, listWords, removeWord, type WordAction } from '../api';

/** The operators' sensitive-word list (MOD-1): add a word with its action, remove one. */
export function WordsPage() {
  const list = usePaged(listWords, []);
  const [word, setWord] = useState('');
  const [action, setAction] = useState<WordAction>('refuse');
  const [busy, run] = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!word.trim()) return;
    if (await run(() => addWord(word.trim(), action), t('mod.wordAdded'))) {
      setWord('');
      list.reload();
    }
  };
  const remove = async (id: string) => {
    if (await run(() => removeWord(id))) list.reload();
  };
  return (
    <Screen title={t('mod.words')} back="/me">
      <p class="muted mod-help">{t('mod.wordsHelp')}</p>
      <form class="card inline-form" onSubmit={submit}>
        <input
          data-testid="word-input"
          value={word}
          maxLength={64}
          placeholder={t('mod.wordPlaceholder')}
          onInput={(e) => setWord(e.currentTarget.value)}
        />
        <select data-testid="word-action" value={action} onChange={(e) => setAction(e.currentTarget.value as WordAction)}>
          {(['refuse', 'mask'] as const).map((a) => (
            <option key={a} value={a}>
              {t(`mod.wordAction.${a}` as MessageKey)}
            </option>
          ))}
        </select>
        <button type="submit" class="primary small" data-testid="word-add" disabled={busy || !word.trim()}>
          {t('mod.addWord')}
        </button>
      </form>
      <div class="list-block">
        <ul class="list" data-testid="word-list">
          {list.items.map((item) => (
            <li key={item.id} class="row" data-testid="word-row" data-word={item.word}>
              <span class="row-main">
                <span class="row-text">
                  <span class="row-title">{item.word}</span>
                  <span class="row-detail">{t(`mod.wordAction.${item.action}` as MessageKey)}</span>
                </span>
              </span>
              <button type="button" class="small" data-testid="word-remove" disabled={busy} onClick={() => remove(item.id)}>
                {t('mod.removeWord')}
              </button>
            </li>
          ))}
        </ul>
        {list.items.length === 0 && !list.loading && <p class="empty">{t('mod.wordsEmpty')}</p>}
        {list.hasMore && (
          <button type="button" class="link-button load-more" disabled={list.loading} onClick={list.loadMore}>
            {t('common.loadMore')}
          </button>
        )}
      </div>
    </Screen>
  );
}
