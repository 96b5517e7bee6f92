import { useState } from 'preact/hooks';
import { showError } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { uploadReviewImage, type Upload } from '../api';

export type PickedPhoto = Upload;

export const MAX_REVIEW_PHOTOS = 9;

/** Picks and uploads up to nine review photos (POST /reviews/images); the review sends their keys. */
export function PhotoPicker({ photos, onChange }: { photos: PickedPhoto[]; onChange: (photos: PickedPhoto[]) => void }) {
  const [uploading, setUploading] = useState(false);
  const pick = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    if (photos.length + files.length > MAX_REVIEW_PHOTOS) {
      showError(new Error(t('shop.review.tooManyPhotos')));
      return;
    }
    setUploading(true);
    const added: PickedPhoto[] = [];
    try {
      for (const file of files) added.push(await uploadReviewImage(file));
    } catch (error) {
      showError(error);
    } finally {
      setUploading(false);
      onChange([...photos, ...added]);
    }
  };
  return (
    <div class="photo-picker" data-testid="review-photos">
      {photos.map((photo) => (
        <button
          type="button"
          key={photo.key}
          class="picked-photo"
          data-testid="review-photo-picked"
          title={t('common.remove')}
          onClick={() => onChange(photos.filter((p) => p.key !== photo.key))}
        >
          <img src={photo.thumb_url ?? photo.url} alt="" />
        </button>
      ))}
      {photos.length < MAX_REVIEW_PHOTOS && (
        <label class="add-photo">
          <input type="file" accept="image/*" multiple data-testid="review-photo-input" onChange={pick} disabled={uploading} />
          <span>{uploading ? t('shop.review.uploading') : `+ ${t('shop.review.addPhotos')}`}</span>
        </label>
      )}
      {photos.length > 0 && (
        <span class="muted small-text" data-testid="review-photo-count">
          {t('shop.review.photosCount', { count: photos.length })}
        </span>
      )}
    </div>
  );
}
