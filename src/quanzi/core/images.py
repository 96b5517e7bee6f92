"""Image intake: sniff the real format, refuse bombs, re-encode without EXIF, make a thumbnail."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from quanzi.core.errors import InvalidInput, UnsupportedMedia

# Decompression bombs: a tiny file that expands to gigapixels is refused before decoding.
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    thumbnail: bytes
    width: int
    height: int
    extension: str


def process_image(raw: bytes, *, max_side: int = 2048, thumb_side: int = 256) -> ProcessedImage:
    """Decode `raw` as an image (whatever its name or declared type says) and re-encode it clean.

    Refuses (InvalidInput) any image declaring more than MAX_PIXELS before decoding a pixel: Pillow
    itself only warns between MAX_IMAGE_PIXELS and twice that, and would decode it.
    """
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            fmt = probe.format
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise Image.DecompressionBombError(f"{width}x{height} is more than {MAX_PIXELS} pixels")
            probe.verify()
        if fmt not in ACCEPTED_FORMATS:
            raise UnsupportedMedia(
                "Only JPEG, PNG, WebP and GIF images are accepted.", code="unsupported_image"
            )
        with Image.open(io.BytesIO(raw)) as decoded:
            decoded.load()
            # Palette images and a tRNS colour key carry transparency too, not only an alpha band.
            has_alpha = decoded.mode in ("RGBA", "LA", "PA", "P") or "transparency" in decoded.info
            image = ImageOps.exif_transpose(decoded).convert("RGBA" if has_alpha else "RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, Image.DecompressionBombError):
            raise InvalidInput("The image is too large to process.", code="image_too_large") from exc
        raise UnsupportedMedia("The file is not a readable image.", code="not_an_image") from exc
    # Nothing of the original's metadata may be written back: EXIF (GPS, camera serial), XMP, and
    # the JPEG comment, which Pillow would otherwise copy from `info` into the new file.
    image.info.clear()
    image.thumbnail((max_side, max_side))
    thumb = image.copy()
    thumb.thumbnail((thumb_side, thumb_side))
    extension = "png" if has_alpha else "jpg"
    return ProcessedImage(
        data=_encode(image, extension),
        thumbnail=_encode(thumb, extension),
        width=image.width,
        height=image.height,
        extension=extension,
    )


def _encode(image: Image.Image, extension: str) -> bytes:
    out = io.BytesIO()
    # A fresh save writes no EXIF, GPS or other metadata of the original.
    if extension == "png":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
