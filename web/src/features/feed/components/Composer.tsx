import { useEffect, useState } from 'preact/hooks';
import { PhotoPicker as Picker } from '../../../core/components/PhotoPicker';
import { showError, useAction } from '../../../core/flash';
import { t, type MessageKey } from '../../../core/i18n';
import type { Id } from '../../../core/types';
import { listFriends, listTags, type Friend, type Tag } from '../../graph/api';
import { createMoment, createPost, uploadImage, type Media, type Post, type Visibility } from '../api';

/** Picks and uploads up to nine photos; the composer sends their ids. */
function PhotoPicker({ photos, onChange }: { photos: Media[]; onChange: (photos: Media[]) => void }) {
  return (
    <Picker
      photos={photos}
      onChange={onChange}
      upload={uploadImage}
      idOf={(photo) => photo.id}
      thumbnailOf={(photo) => photo.thumbnail_url ?? photo.url}
      strings={{
        tooMany: 'feed.tooManyPhotos',
        uploading: 'feed.uploading',
        add: 'feed.addPhotos',
        count: 'feed.photosCount',
      }}
      testId="photo"
    />
  );
}

async function allFriends(): Promise<Friend[]> {
  const friends: Friend[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 25; i++) {
    const page = await listFriends(cursor);
    friends.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return friends;
}

/** Tags and friends to include or exclude; loaded when the picker first needs them. */
function AudiencePicker({
  tagIds,
  userIds,
  onChange,
}: {
  tagIds: Id[];
  userIds: Id[];
  onChange: (tagIds: Id[], userIds: Id[]) => void;
}) {
  const [tags, setTags] = useState<Tag[] | null>(null);
  const [friends, setFriends] = useState<Friend[] | null>(null);
  useEffect(() => {
    listTags().then((r) => setTags(r.items), showError);
    allFriends().then(setFriends, showError);
  }, []);
  const toggle = (list: Id[], id: Id) => (list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);
  return (
    <div class="audience" data-testid="moment-audience">
      {tags && tags.length > 0 && (
        <fieldset class="choice">
          <legend>{t('feed.audienceTags')}</legend>
          {tags.map((tag) => (
            <label class="inline audience-option" key={tag.id} data-testid="moment-audience-option" data-kind="tag" data-id={tag.id}>
              <input type="checkbox" checked={tagIds.includes(tag.id)} onChange={() => onChange(toggle(tagIds, tag.id), userIds)} />
              {tag.name} <span class="muted">({tag.member_count})</span>
            </label>
          ))}
        </fieldset>
      )}
      <fieldset class="choice">
        <legend>{t('feed.audienceFriends')}</legend>
        {friends && friends.length === 0 && <p class="muted">{t('feed.noFriends')}</p>}
        {friends?.map((friend) => (
          <label
            class="inline audience-option"
            key={friend.user.id}
            data-testid="moment-audience-option"
            data-kind="user"
            data-id={friend.user.id}
          >
            <input
              type="checkbox"
              checked={userIds.includes(friend.user.id)}
              onChange={() => onChange(tagIds, toggle(userIds, friend.user.id))}
            />
            {friend.remark || friend.user.display_name}
          </label>
        ))}
      </fieldset>
    </div>
  );
}

const VISIBILITIES: Visibility[] = ['friends', 'private', 'include', 'exclude'];

/** A new Moment: text, photos and who may see it (MOM-1, MOM-2). */
export function MomentComposer({ onPosted }: { onPosted: (post: Post) => void }) {
  const [body, setBody] = useState('');
  const [photos, setPhotos] = useState<Media[]>([]);
  const [visibility, setVisibility] = useState<Visibility>('friends');
  const [tagIds, setTagIds] = useState<Id[]>([]);
  const [userIds, setUserIds] = useState<Id[]>([]);
  const [busy, run] = useAction();
  const choosing = visibility === 'include' || visibility === 'exclude';
  const audienceMissing = choosing && tagIds.length === 0 && userIds.length === 0;

  const submit = async (event: Event) => {
    event.preventDefault();
    let made: Post | null = null;
    const ok = await run(async () => {
      made = await createMoment({
        body: body.trim(),
        media_ids: photos.map((p) => p.id),
        visibility,
        ...(choosing ? { tag_ids: tagIds, user_ids: userIds } : {}),
      });
    }, t('feed.published'));
    if (ok && made) {
      setBody('');
      setPhotos([]);
      setVisibility('friends');
      setTagIds([]);
      setUserIds([]);
      onPosted(made);
    }
  };

  return (
    <form class="card form composer" data-testid="moment-composer" onSubmit={submit}>
      <textarea
        data-testid="moment-text"
        rows={3}
        maxLength={2000}
        placeholder={t('feed.placeholderMoment')}
        value={body}
        onInput={(e) => setBody(e.currentTarget.value)}
      />
      <PhotoPicker photos={photos} onChange={setPhotos} />
      <label>
        {t('feed.visibility')}
        <select
          data-testid="moment-visibility"
          value={visibility}
          onChange={(e) => setVisibility(e.currentTarget.value as Visibility)}
        >
          {VISIBILITIES.map((v) => (
            <option key={v} value={v}>
              {t(`feed.vis.${v}` as MessageKey)}
            </option>
          ))}
        </select>
      </label>
      {choosing && (
        <AudiencePicker
          tagIds={tagIds}
          userIds={userIds}
          onChange={(tags, users) => {
            setTagIds(tags);
            setUserIds(users);
          }}
        />
      )}
      {audienceMissing && <p class="hint">{t('feed.audienceEmpty')}</p>}
      <button
        type="submit"
        class="primary"
        data-testid="moment-submit"
        disabled={busy || audienceMissing || (!body.trim() && photos.length === 0)}
      >
        {t('feed.publish')}
      </button>
    </form>
  );
}

/** A new public post (PUB-1): text with #topics# and @mentions, and photos. */
export function PostComposer({ onPosted }: { onPosted: (post: Post) => void }) {
  const [body, setBody] = useState('');
  const [photos, setPhotos] = useState<Media[]>([]);
  const [busy, run] = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    let made: Post | null = null;
    const ok = await run(async () => {
      made = await createPost({ body: body.trim(), media_ids: photos.map((p) => p.id) });
    }, t('feed.published'));
    if (ok && made) {
      setBody('');
      setPhotos([]);
      onPosted(made);
    }
  };
  return (
    <form class="card form composer" data-testid="post-composer" onSubmit={submit}>
      <textarea
        data-testid="post-text"
        rows={3}
        maxLength={2000}
        placeholder={t('feed.placeholderPost')}
        value={body}
        onInput={(e) => setBody(e.currentTarget.value)}
      />
      <PhotoPicker photos={photos} onChange={setPhotos} />
      <button
        type="submit"
        class="primary"
        data-testid="post-submit"
        disabled={busy || (!body.trim() && photos.length === 0)}
      >
        {t('feed.publish')}
      </button>
    </form>
  );
}
