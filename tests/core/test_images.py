"""Image intake: formats sniffed from bytes, metadata stripped, bombs refused, sizes bounded."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from quanzi.core.errors import InvalidInput, UnsupportedMedia
from quanzi.core.images import MAX_PIXELS, process_image

CAMERA = "QuanziCam Serial 0451-8872"
GPS_IFD = 0x8825
EXIF_IFD = 0x8769


def exif_with_gps(*, orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "QuanziCam"  # Make
    exif[0x0110] = CAMERA  # Model
    if orientation is not None:
        exif[0x0112] = orientation
    exif.get_ifd(EXIF_IFD)[0xA431] = CAMERA  # BodySerialNumber
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (39.0, 54.0, 27.0)  # Beijing
    gps[3] = "E"
    gps[4] = (116.0, 23.0, 30.0)
    return exif.tobytes()


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.getpixel(xy)
    assert isinstance(value, tuple)
    return value


def assert_no_metadata(data: bytes) -> None:
    image = reopen(data)
    assert dict(image.getexif()) == {}
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile"} & set(image.info)
    for secret in (CAMERA.encode(), b"QuanziCam", b"Exif\x00\x00", b"secret"):
        assert secret not in data


def png_declaring(width: int, height: int, *, bit_depth: int = 1, color_type: int = 0) -> bytes:
    """A PNG whose header declares the given size, with a few bytes of pixel data: a bomb's shape."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_jpeg_exif_gps_and_comment_are_stripped() -> None:
    source = encode(
        Image.new("RGB", (120, 90), (200, 30, 30)), "JPEG", exif=exif_with_gps(), comment=b"secret note"
    )
    original = reopen(source)
    assert original.getexif().get_ifd(GPS_IFD)[2] == (39.0, 54.0, 27.0)  # the fixture really has GPS
    assert original.info["comment"] == b"secret note"

    result = process_image(source)

    assert result.extension == "jpg"
    assert (result.width, result.height) == (120, 90)
    assert reopen(result.data).format == "JPEG"
    assert_no_metadata(result.data)
    assert_no_metadata(result.thumbnail)


def test_exif_orientation_is_applied_before_it_is_stripped() -> None:
    # Orientation 6: the camera was turned; the stored 120x90 pixels display as 90x120.
    source = encode(Image.new("RGB", (120, 90), "white"), "JPEG", exif=exif_with_gps(orientation=6))
    result = process_image(source)
    assert (result.width, result.height) == (90, 120)
    assert reopen(result.data).size == (90, 120)
    assert_no_metadata(result.data)


def test_png_keeps_its_alpha_and_loses_its_exif() -> None:
    image = Image.new("RGBA", (64, 48), (10, 20, 30, 255))
    image.putpixel((0, 0), (255, 0, 0, 0))
    image.putpixel((1, 0), (0, 255, 0, 128))
    source = encode(image, "PNG", exif=exif_with_gps())
    assert reopen(source).getexif().get_ifd(GPS_IFD)  # the fixture really carries GPS

    result = process_image(source)

    assert result.extension == "png"
    out = reopen(result.data)
    assert out.format == "PNG"
    assert out.mode == "RGBA"
    assert pixel(out, (0, 0))[3] == 0
    assert pixel(out, (1, 0)) == (0, 255, 0, 128)
    assert pixel(out, (5, 5)) == (10, 20, 30, 255)
    assert reopen(result.thumbnail).mode == "RGBA"
    assert_no_metadata(result.data)


def test_transparency_without_an_alpha_band_is_kept() -> None:
    keyed = Image.new("RGB", (16, 16), (0, 0, 255))
    keyed.putpixel((3, 3), (255, 255, 255))
    gif = Image.new("P", (16, 16), 1)
    gif.putpixel((3, 3), 0)
    for source in (encode(keyed, "PNG", transparency=(255, 255, 255)), encode(gif, "GIF", transparency=0)):
        result = process_image(source)
        assert result.extension == "png"
        out = reopen(result.data).convert("RGBA")
        assert pixel(out, (3, 3))[3] == 0
        assert pixel(out, (4, 4))[3] == 255


def test_webp_is_accepted_and_reencoded_clean() -> None:
    source = encode(Image.new("RGB", (40, 30), "green"), "WEBP", exif=exif_with_gps())
    result = process_image(source)
    assert result.extension == "jpg"
    assert reopen(result.data).format == "JPEG"
    assert_no_metadata(result.data)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"hello, this is text",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        b"<html><script>alert(1)</script></html>",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # a PNG signature and nothing valid after it
        b"\xff\xd8\xff\xe0" + b"\x00" * 20,  # a JPEG start and nothing after it
    ],
    ids=["empty", "text", "pdf", "html", "png-signature-only", "jpeg-start-only"],
)
def test_bytes_that_are_not_an_image_are_unsupported_media(raw: bytes) -> None:
    with pytest.raises(UnsupportedMedia) as caught:
        process_image(raw)
    assert caught.value.code == "not_an_image"
    assert caught.value.status_code == 415


def test_a_truncated_jpeg_is_unsupported_media() -> None:
    whole = encode(Image.effect_noise((200, 200), 60).convert("RGB"), "JPEG", quality=95)
    with pytest.raises(UnsupportedMedia):
        process_image(whole[: len(whole) // 2])


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
def test_real_images_in_other_formats_are_refused(fmt: str) -> None:
    with pytest.raises(UnsupportedMedia) as caught:
        process_image(encode(Image.new("RGB", (32, 32), "red"), fmt))
    assert caught.value.code == "unsupported_image"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20_000, 20_000),  # 400 megapixels: Pillow's own bomb error
        (8_000, 8_000),  # 64 megapixels: above our limit, yet below the point where Pillow errors
        (MAX_PIXELS + 1, 1),  # a one-pixel-high strip just past the limit
    ],
)
def test_decompression_bombs_are_refused_before_decoding(width: int, height: int) -> None:
    bomb = png_declaring(width, height)
    assert len(bomb) < 200
    with pytest.raises(InvalidInput) as caught:
        process_image(bomb)
    assert caught.value.code == "image_too_large"


def test_exactly_the_pixel_limit_gets_past_the_size_check() -> None:
    # Same crafted shape at exactly MAX_PIXELS: not refused as too large; it then fails to decode
    # (its pixel data is a stub), which proves the limit is "more than", without decoding 40 MP.
    with pytest.raises(UnsupportedMedia):
        process_image(png_declaring(8_000, MAX_PIXELS // 8_000))


def test_sizes_are_bounded_and_aspect_ratio_kept() -> None:
    source = encode(Image.new("RGB", (3000, 1000), "navy"), "JPEG")
    result = process_image(source)
    assert (result.width, result.height) == (2048, 683)
    assert reopen(result.data).size == (2048, 683)
    assert reopen(result.thumbnail).size == (256, 85)

    small = process_image(source, max_side=512, thumb_side=128)
    assert (small.width, small.height) == (512, 171)
    assert reopen(small.thumbnail).size == (128, 43)


def test_small_images_are_not_enlarged() -> None:
    result = process_image(encode(Image.new("RGB", (50, 40), "olive"), "JPEG"))
    assert (result.width, result.height) == (50, 40)
    assert reopen(result.thumbnail).size == (50, 40)


def test_tall_image_bounded_by_its_height() -> None:
    result = process_image(encode(Image.new("RGBA", (300, 5000), (0, 0, 0, 10)), "PNG"))
    assert (result.width, result.height) == (123, 2048)
    thumb = reopen(result.thumbnail)
    assert max(thumb.size) == 256 and thumb.size[1] == 256
