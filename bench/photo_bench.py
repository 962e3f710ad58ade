"""Time prepare_upload on a 12-megapixel phone photo against a bare Pillow re-save.

Run: python -m bench.photo_bench   (budget in the design doc: <= 1.5 s per photo)
"""

from __future__ import annotations

import io
import json
import statistics
import time
from collections.abc import Callable

from PIL import Image, ImageChops

from caseapp.files import prepare_upload

SIZE = (4032, 3024)  # what a 12 MP phone camera produces
RUNS = 5
BUDGET_S = 1.5
LIMIT = 20 * 1024 * 1024


def make_photo() -> bytes:
    """Gradients plus sensor-like noise, so the JPEG is as costly to decode as a real photo."""
    ramp = Image.linear_gradient("L").resize(SIZE)
    radial = Image.radial_gradient("L").resize(SIZE)
    noise = Image.effect_noise(SIZE, 24)  # unblurred, so the file is as big as a real one
    detail = Image.effect_mandelbrot(SIZE, (-2.0, -1.2, 1.0, 1.2), 60)
    red = ImageChops.add(ramp, noise, scale=1.6)
    green = ImageChops.add(radial, detail, scale=1.8)
    blue = ImageChops.blend(ramp.rotate(180), noise, 0.4)
    image = Image.merge("RGB", (red, green, blue))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model 12"
    exif[0x0112] = 6  # portrait shot held sideways, as phones store them
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def baseline(data: bytes) -> None:
    """The least any upload path must do: decode the photo and encode it once."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        image.save(io.BytesIO(), "JPEG", quality=85)


def timed(action: Callable[[], object]) -> list[float]:
    action()  # warm-up: first call pays for imports and codec set-up
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    photo = make_photo()
    prepared = prepare_upload("IMG_0001.jpg", photo, LIMIT)
    prepare_times = timed(lambda: prepare_upload("IMG_0001.jpg", photo, LIMIT))
    base_times = timed(lambda: baseline(photo))
    prepare_median = statistics.median(prepare_times)
    base_median = statistics.median(base_times)
    print(f"input: {SIZE[0]}x{SIZE[1]} JPEG, {len(photo) / 1e6:.1f} MB, EXIF with GPS")
    print(f"output: {prepared.width}x{prepared.height}, {len(prepared.data) / 1e6:.2f} MB, "
          f"thumbnail {len(prepared.thumbnail or b'') / 1e3:.1f} kB")
    print(f"prepare_upload: median {prepare_median:.3f} s, max {max(prepare_times):.3f} s "
          f"over {RUNS} runs (budget {BUDGET_S} s)")
    print(f"baseline (open+load+save q85): median {base_median:.3f} s, "
          f"max {max(base_times):.3f} s")
    print(json.dumps({
        "photo_prepare_median_s": round(prepare_median, 4),
        "photo_prepare_max_s": round(max(prepare_times), 4),
        "photo_baseline_median_s": round(base_median, 4),
        "ratio": round(prepare_median / base_median, 2),
        "within_budget": max(prepare_times) <= BUDGET_S,
    }))


if __name__ == "__main__":
    main()
