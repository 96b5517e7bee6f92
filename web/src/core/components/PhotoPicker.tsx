import { useState } from 'preact/hooks';
import { showError } from '../flash';
import { t, type MessageKey } from '../i18n';

/** The words a picker shows, from the owning feature's strings. */
export interface PhotoPickerStrings {
  tooMany: MessageKey;
  uploading: MessageKey;
  add: MessageKey;
  count: MessageKey;
}

export interface PhotoPickerProps<P> {
  photos: P[];
  onChange: (photos: P[]) => void;
  /** Uploads one file; the answer is what the picker keeps and shows. */
  upload: (file: File) => Promise<P>;
  idOf: (photo: P) => string;
  thumbnailOf: (photo: P) => string;
  strings: PhotoPickerStrings;
  /** Prefix of the test ids: `${testId}-input`, `${testId}-picked`, `${testId}-count`, `${testId}s`. */
  testId: string;
  max?: number;
}

/** Picks and uploads up to `max` photos (nine, as in Moments and reviews); tap one to remove it. */
export function PhotoPicker<P>({
  photos,
  onChange,
  upload,
  idOf,
  thumbnailOf,
  strings,
  testId,
  max = 9,
}: PhotoPickerProps<P>) {
  const [uploading, setUploading] = useState(false);
  const pick = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    if (photos.length + files.length > max) {
      showError(new Error(t(strings.tooMany)));
      return;
    }
    setUploading(true);
    const added: P[] = [];
    try {
      for (const file of files) added.push(await upload(file));
    } catch (error) {
      showError(error);
    } finally {
      setUploading(false);
      onChange([...photos, ...added]);
    }
  };
  return (
    <div class="photo-picker" data-testid={`${testId}s`}>
      {photos.map((photo) => (
        <button
          type="button"
          key={idOf(photo)}
          class="picked-photo"
          data-testid={`${testId}-picked`}
          title={t('common.remove')}
          onClick={() => onChange(photos.filter((p) => idOf(p) !== idOf(photo)))}
        >
          <img src={thumbnailOf(photo)} alt="" />
        </button>
      ))}
      {photos.length < max && (
        <label class="add-photo">
          <input type="file" accept="image/*" multiple data-testid={`${testId}-input`} onChange={pick} disabled={uploading} />
          <span>{uploading ? t(strings.uploading) : `+ ${t(strings.add)}`}</span>
        </label>
      )}
      {photos.length > 0 && (
        <span class="muted small-text" data-testid={`${testId}-count`}>
          {t(strings.count, { count: photos.length })}
        </span>
      )}
    </div>
  );
}
