import type { Media } from '../api';

/** Up to nine thumbnails: one large, or a grid of two or three columns; a tap opens the full image. */
export function PhotoGrid({ media }: { media: Media[] }) {
  if (media.length === 0) return null;
  const columns = media.length === 1 ? 1 : media.length === 2 || media.length === 4 ? 2 : 3;
  return (
    <div class={`photo-grid cols-${columns}`} data-testid="photo-grid">
      {media.map((item) =>
        item.kind === 'video' ? (
          <video key={item.id} class="photo" src={item.url} poster={item.thumbnail_url ?? undefined} controls preload="none" />
        ) : (
          <a key={item.id} class="photo" href={item.url} target="_blank" rel="noopener">
            <img src={item.thumbnail_url ?? item.url} alt="" loading="lazy" data-testid="photo" />
          </a>
        ),
      )}
    </div>
  );
}
