import { PhotoPicker as Picker } from '../../../core/components/PhotoPicker';
import { uploadReviewImage, type Upload } from '../api';

export type PickedPhoto = Upload;

/** Picks and uploads up to nine review photos (POST /reviews/images); the review sends their keys. */
export function PhotoPicker({ photos, onChange }: { photos: PickedPhoto[]; onChange: (photos: PickedPhoto[]) => void }) {
  return (
    <Picker
      photos={photos}
      onChange={onChange}
      upload={uploadReviewImage}
      idOf={(photo) => photo.key}
      thumbnailOf={(photo) => photo.thumb_url ?? photo.url}
      strings={{
        tooMany: 'shop.review.tooManyPhotos',
        uploading: 'shop.review.uploading',
        add: 'shop.review.addPhotos',
        count: 'shop.review.photosCount',
      }}
      testId="review-photo"
    />
  );
}
