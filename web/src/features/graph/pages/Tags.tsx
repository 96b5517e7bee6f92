import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { useResource } from '../../../core/loading';
import { href } from '../../../core/router';
import { createTag, listTags } from '../api';

/** The user's friend tags (labels for grouping friends), and a form to add one. */
export function TagsPage() {
  const tags = useResource(listTags, []);
  const [name, setName] = useState('');
  const [busy, run] = useAction();

  const create = async (e: Event) => {
    e.preventDefault();
    if (await run(() => createTag(name.trim()), t('tags.created'))) {
      setName('');
      tags.reload();
    }
  };

  const items = tags.data?.items ?? [];
  return (
    <Screen title={t('contacts.tags')} back="/contacts">
      <form class="card inline-form" onSubmit={create}>
        <input
          data-testid="tag-name"
          placeholder={t('tags.newName')}
          aria-label={t('tags.newName')}
          required
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <button type="submit" class="primary" data-testid="tag-create" disabled={busy}>
          {t('tags.create')}
        </button>
      </form>
      <section class="card">
        <ul class="list" data-testid="tags-list">
          {items.map((tag) => (
            <li key={tag.id} class="row" data-testid="tag-row">
              <a class="row-main" href={href(`/contacts/tags/${tag.id}`)}>
                <span class="row-text">
                  <span class="row-title">{tag.name}</span>
                  <span class="row-subtitle">{t('tags.memberCount', { count: tag.member_count })}</span>
                </span>
                <span class="chevron" aria-hidden="true">
                  ›
                </span>
              </a>
            </li>
          ))}
        </ul>
        {items.length === 0 && !tags.loading && <p class="empty">{t('tags.none')}</p>}
      </section>
    </Screen>
  );
}
