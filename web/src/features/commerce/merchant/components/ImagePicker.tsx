import { useState } from 'preact/hooks';
import { showError } from '../../../../core/flash';
import { t } from '../../../../core/i18n';
import { uploadProductImage, type ImageRef } from '../api';

const MAX_IMAGES = 9;

/** Uploads up to nine product images (POST /products/images); the product keeps their keys, in order. */
export function ImagePicker({ images, onChange }: { images: ImageRef[]; onChange: (images: ImageRef[]) => void }) {
  const [uploading, setUploading] = useState(false);
  const pick = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    if (images.length + files.length > MAX_IMAGES) {
      showError(new Error(t('merchant.editor.tooManyImages')));
      return;
    }
    setUploading(true);
    const added: ImageRef[] = [];
    try {
      for (const file of files) added.push(await uploadProductImage(file));
    } catch (error) {
      showError(error);
    } finally {
      setUploading(false);
      onChange([...images, ...added]);
    }
  };
  return (
    <div class="merchant-images" data-testid="product-image-list">
      {images.map((image, index) => (
        <button
          type="button"
          key={image.key}
          class="merchant-image"
          data-testid="product-image"
          title={t('merchant.editor.removeImage')}
          aria-label={t('merchant.editor.removeImage')}
          onClick={() => onChange(images.filter((_, i) => i !== index))}
        >
          <img src={image.thumb_url ?? image.url} alt="" />
          <span class="merchant-image-remove">×</span>
        </button>
      ))}
      {images.length < MAX_IMAGES && (
        <label class="merchant-add-image">
          <input type="file" accept="image/jpeg,image/png,image/webp,image/gif" multiple data-testid="product-images" onChange={pick} disabled={uploading} />
          <span>{uploading ? t('merchant.editor.uploading') : `+ ${t('merchant.editor.addImages')}`}</span>
        </label>
      )}
    </div>
  );
}
