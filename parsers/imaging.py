"""Page images cleaned up for OCR: fax aspect and speckle, skew, phone-photo perspective and light.

Each step is a pure function on a grayscale numpy array. `prepare_page` picks the steps by the kind
of image, which `image_kind` guesses from what the file says about itself (mode, resolution, format).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

FAX = "fax"  # bilevel, ~204 dpi across, 98 or 196 dpi down, speckled
PHOTO = "photo"  # a phone photo: the page on a background, in perspective, unevenly lit
SCAN = "scan"  # a flatbed/feeder scan or a rendered PDF page: slightly skewed, fairly even
SCREEN = "screen"  # a screenshot: clean, digital, low resolution


def image_kind(img: Image.Image) -> str:
    """Guess how a page image was made from its mode, format and declared resolution."""
    dpi = _dpi(img)
    if img.mode == "1" or (dpi and dpi[0] > 1.5 * dpi[1]) or (img.format == "TIFF" and _is_bilevel(img)):
        return FAX
    if img.format == "JPEG" and img.mode in ("RGB", "CMYK", "YCbCr"):
        return PHOTO
    if img.format in ("PNG", "GIF", "BMP", "WEBP"):
        return SCREEN
    return SCAN


def _dpi(img: Image.Image) -> tuple[float, float] | None:
    dpi = img.info.get("dpi")
    try:
        x, y = float(dpi[0]), float(dpi[1])
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return None
    return (x, y) if x > 0 and y > 0 else None


def _is_bilevel(img: Image.Image) -> bool:
    return img.mode in ("1", "P") and len(img.getcolors(4) or []) <= 2


def fax_to_gray(img: Image.Image) -> np.ndarray:
    """A fax page at square pixels, twice its resolution, despeckled.

    204x98 dpi ("standard") faxes get their rows doubled first, or letters are half height. The
    2x bicubic upscale gives tesseract the x-height it wants; a 5x5 median after it (2.5 fax
    pixels) removes speckle and smooths the staircase edges. Measured, key strings found on the
    7 dev faxes: 3x3 median before the upscale 29/46, 3x3 after 31, 5x5 after 31, none 31; on a
    generated, speckled 204x98 fax only the 5x5 median after the upscale read `M54.50` exactly.
    """
    import cv2

    dpi = _dpi(img)
    arr = np.asarray(img.convert("L"))
    if dpi and dpi[0] > 1.5 * dpi[1]:
        arr = np.repeat(arr, int(round(dpi[0] / dpi[1])), axis=0)
    arr = cv2.resize(np.ascontiguousarray(arr), None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    return cv2.medianBlur(arr, 5)


def shrink(gray: np.ndarray, scale: float) -> np.ndarray:
    """`gray` scaled down by `scale` (< 1), averaging pixels as INTER_AREA does.

    OpenCV's INTER_AREA is ~4x faster for a whole-number factor than for any other, so the
    image is first reduced by the largest whole factor that keeps it at least the target size
    (2550x3300 to 600 wide: 2.5 ms + 0.3 ms instead of 9 ms).
    """
    import cv2

    if scale >= 1:
        return gray
    k = int(1 / scale)
    if k >= 2:
        gray = cv2.resize(gray, (gray.shape[1] // k, gray.shape[0] // k), interpolation=cv2.INTER_AREA)
        scale *= k
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray


def estimate_skew(gray: np.ndarray, max_deg: float = 5.0) -> float:
    """The small rotation (degrees) that makes text lines horizontal, by projection profiles.

    Works on a 600-pixel-wide ink mask: the row sums change most sharply when lines are level.
    A coarse pass (1 degree steps) then a fine one (0.1) keep it near 20 ms a page.
    """
    import cv2

    # Not `shrink`: its slightly different averaging moves some estimates by 0.1 degree, and the
    # handwritten dev fax dev014 read worse for it.
    scale = min(1.0, 600 / max(gray.shape[1], 1))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    if ink.mean() < 0.002:
        return 0.0
    h, w = ink.shape
    center = (w / 2, h / 2)

    def score(angle: float) -> float:
        m = cv2.getRotationMatrix2D(center, float(angle), 1.0)
        turned = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        rows = cv2.reduce(turned, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel().astype(np.int64)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-max_deg, max_deg + 0.5, 1.0), key=score)
    return float(max(np.arange(best - 0.6, best + 0.65, 0.1), key=score))


def remove_rules(gray: np.ndarray) -> np.ndarray:
    """Form lines and box borders whitened: tesseract drops text that touches them or sits in a cell.

    Measured on the dev scans: the handwritten entries inside form boxes came back only without
    the boxes (keys found 17/33 -> 22/33). Lines are found at half resolution (10x cheaper,
    24 vs 25/42 keys); lines shorter than 1/30 of the page width are kept.
    """
    import cv2

    half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(half, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 15)
    length = max(20, half.shape[1] // 30)
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    lines = horizontal | vertical
    if not lines.any():
        return gray
    # Not dilated: a wider mask bites into the characters written on the line (measured: 21 vs 24/42).
    mask = cv2.resize(lines, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_NEAREST)
    out = gray.copy()
    out[mask > 0] = 255
    return out


def lines_vertical(gray: np.ndarray) -> bool:
    """True when the text runs up or down the page (a page scanned or photographed sideways).

    Text lines make the row sums of the ink alternate sharply (line, gap, line); across the
    lines the column sums are smooth. On the dev pages the ratio is 5-15 upright, under 0.2 sideways.
    """
    import cv2

    ink = cv2.threshold(shrink(gray, 600 / max(gray.shape)), 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    rows = float(np.square(np.diff(ink.sum(axis=1, dtype=np.int64))).sum())
    cols = float(np.square(np.diff(ink.sum(axis=0, dtype=np.int64))).sum())
    return cols > 2 * rows


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    import cv2

    if abs(angle) < 0.1:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


# A tilt of one fine step (0.1 degree: a pixel across the 600-pixel mask) is within the estimate's
# error (a page rendered level comes out at -0.1): not worth a rotation that resamples every letter.
MIN_SKEW_DEG = 0.15


def deskew(gray: np.ndarray) -> np.ndarray:
    angle = estimate_skew(gray)
    return gray if abs(angle) < MIN_SKEW_DEG else rotate(gray, angle)


def find_page(gray: np.ndarray) -> np.ndarray | None:
    """The four corners of the sheet of paper in a photo, or None when no clear sheet is seen."""
    import cv2

    scale = min(1.0, 800 / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    blur = cv2.GaussianBlur(small, (5, 5), 0)
    best = None
    for mask in (
        cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1],
        cv2.dilate(cv2.Canny(blur, 30, 100), np.ones((5, 5), np.uint8)),
    ):
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
            area = cv2.contourArea(c)
            if area < 0.2 * small.size:
                break
            hull = cv2.convexHull(c)
            quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
            if len(quad) == 4 and cv2.isContourConvex(quad):
                if best is None or area > best[0]:
                    best = (area, quad.reshape(4, 2).astype(np.float32) / scale)
                break
    if best is None or best[0] > 0.98 * small.size:
        return None
    return best[1]


def _order(quad: np.ndarray) -> np.ndarray:
    s, d = quad.sum(axis=1), np.diff(quad, axis=1).ravel()
    return np.array([quad[s.argmin()], quad[d.argmin()], quad[s.argmax()], quad[d.argmax()]], dtype=np.float32)


def flatten(gray: np.ndarray, quad: np.ndarray, min_width: int = 2000) -> np.ndarray:
    """The sheet inside `quad` seen from straight above, at least `min_width` pixels wide."""
    import cv2

    tl, tr, br, bl = _order(quad)
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    scale = max(1.0, min_width / max(width, 1.0))
    w, h = int(width * scale), int(height * scale)
    target = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(np.array([tl, tr, br, bl]), target)
    return cv2.warpPerspective(gray, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def even_light(gray: np.ndarray) -> np.ndarray:
    """Divide out the background (shadows, a lamp's gradient) estimated by a large closing."""
    import cv2

    k = max(15, (min(gray.shape) // 40) | 1)
    background = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    background = cv2.GaussianBlur(background, (0, 0), k / 2)
    out = cv2.divide(gray, np.maximum(background, 1), scale=255)
    return cv2.normalize(out, None, 0, 255, cv2.NORM_MINMAX)


def upscale_small(gray: np.ndarray, min_width: int) -> np.ndarray:
    import cv2

    if gray.shape[1] >= min_width:
        return gray
    f = min(3.0, min_width / gray.shape[1])
    return cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)


def to_gray(img: Image.Image) -> np.ndarray:
    """8-bit grayscale from any mode; 16-bit and float scans are stretched, not clipped to white."""
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        arr = np.asarray(img, dtype=np.float32)
        lo, hi = float(arr.min()), float(arr.max())
        return ((arr - lo) * (255.0 / max(hi - lo, 1e-6))).astype(np.uint8)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img)
    return np.asarray(img.convert("L"))


def prepare_page(img: Image.Image, kind: str | None = None) -> Image.Image:
    """A grayscale image ready for tesseract, cleaned up as its kind needs, text lines horizontal.

    `info["rotation"]` on the result says by how many degrees (counter-clockwise) it was turned.
    """
    kind = kind or image_kind(img)
    if kind == FAX:
        gray = fax_to_gray(img)
    else:
        gray = to_gray(img)
    if kind == PHOTO:
        quad = find_page(gray)
        if quad is not None:
            gray = flatten(gray, quad)
        gray = even_light(upscale_small(gray, 2000))
    elif kind == SCREEN:
        gray = upscale_small(gray, 1000)
    turned = 0
    if lines_vertical(gray):  # turned a quarter; whether it is upside down is left to the OCR step
        gray, turned = np.rot90(gray, 1), 90
    gray = remove_rules(deskew(np.ascontiguousarray(gray)))
    out = Image.fromarray(np.ascontiguousarray(gray))
    out.info["rotation"] = turned
    return out
