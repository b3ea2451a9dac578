"""`rxintake bench ocr`: how fast documents are read, measured against bare tesseract in the same run.

Uses synthetic pages made on the spot (reportlab for a text-layer PDF, Pillow for 300-dpi page
images), so it runs anywhere; the figures are minima over a few repeats, as the machine may be busy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

LINES = [
    "RIVERBEND INTERNAL MEDICINE - 3295 Lakeview Ter, Tacoma, WA 98466",
    "Tel (253) 555-0184   Fax (253) 555-0158",
    "REFERRAL TO MASSAGE THERAPY",
    "Patient: Olivia Harris        DOB: 02/14/1949",
    "Diagnosis: M54.50 Low back pain, unspecified",
    "           S13.4XXA Sprain of ligaments of cervical spine",
    "Treatment: 97124 Massage therapy, 97140 Manual therapy",
    "Frequency: 2x/week for 6 weeks (12 visits)",
    "Start date: 03/02/2026        Valid for 90 days",
    "Prescriber: Kenneth Yamamoto, MD     NPI 1234567893",
    "Signed: 03/01/2026",
]


def _font(size: int):
    from pathlib import Path

    import reportlab
    from PIL import ImageFont

    return ImageFont.truetype(str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"), size)


def page_image(dpi: int = 300, variant: int = 0):
    """A letter-size page at `dpi` with a typed prescription, as a scanner would deliver it."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (int(8.5 * dpi), int(11 * dpi)), 255)
    draw = ImageDraw.Draw(img)
    font = _font(int(dpi * 11 / 72))
    y = dpi
    for n, line in enumerate(LINES * 2):
        draw.text((dpi, y), line if n < len(LINES) else f"{variant} {line}", fill=0, font=font)
        y += int(dpi * 0.3)
    return img


def text_pdf(pages: int) -> bytes:
    import io

    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    for _ in range(pages):
        y = 720
        for line in LINES:
            c.drawString(72, y, line)
            y -= 18
        c.showPage()
    c.save()
    return buf.getvalue()


def _cpu() -> float:
    """CPU seconds of this process and its finished children (tesseract): steady on a busy machine."""
    import resource
    import time

    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def _best(fn, repeats: int) -> float:
    import time

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run_ocr_bench(repeats: int = 5, pages: int = 4, workers: int | None = None) -> dict[str, float]:
    import io
    import os
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from parsers.documents import Document
    from parsers.images import read_image
    from parsers.pdf import read_pdf

    workers = workers or os.cpu_count() or 1
    out: dict[str, float] = {}
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    pdf = text_pdf(10)
    out["text_layer_page_s"] = _best(lambda: read_pdf(Document("b.pdf", "application/pdf", pdf)), repeats) / 10

    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "page.png"
        page_image().save(png, dpi=(300, 300))
        data = png.read_bytes()

        def bare() -> None:
            subprocess.run(["tesseract", str(png), "-"], env=env, capture_output=True, check=True)

        def ours(raw: bytes) -> Document:
            doc = Document("page.png", "image/png", raw)
            read_image(doc, workers=1)
            return doc

        # Interleaved, so that both see the same load from whatever else runs on the machine.
        bare_times, our_times, bare_cpu, our_cpu = [], [], [], []
        for _ in range(repeats):
            c = _cpu()
            bare_times.append(_best(bare, 1))
            bare_cpu.append(_cpu() - c)
            c = _cpu()
            our_times.append(_best(lambda: ours(data), 1))
            our_cpu.append(_cpu() - c)
        out["bare_tesseract_s"], out["rxintake_page_s"] = min(bare_times), min(our_times)
        out["ratio"] = out["rxintake_page_s"] / out["bare_tesseract_s"]
        out["bare_tesseract_cpu_s"], out["rxintake_page_cpu_s"] = min(bare_cpu), min(our_cpu)
        out["cpu_ratio"] = out["rxintake_page_cpu_s"] / out["bare_tesseract_cpu_s"]
        buf = io.BytesIO()
        page_image().rotate(180).save(buf, format="PNG", dpi=(300, 300))
        flipped = buf.getvalue()
        out["rxintake_upside_down_page_s"] = _best(lambda: ours(flipped), repeats)
        out["upside_down_read"] = float("S13.4XXA" in ours(flipped).text or "13.4XXA" in ours(flipped).text)

        buf = io.BytesIO()
        frames = [page_image(variant=n) for n in range(pages)]
        frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:], dpi=(300, 300))
        tiff = buf.getvalue()

        def multi(n_workers: int) -> None:
            read_image(Document("scan.tif", "image/tiff", tiff), max_pages=pages, workers=n_workers)

        out["multipage_pages"] = pages
        out["multipage_workers"] = workers
        out["multipage_serial_s"] = _best(lambda: multi(1), 1)
        out["multipage_parallel_s"] = _best(lambda: multi(workers), 1)
        out["multipage_speedup"] = out["multipage_serial_s"] / out["multipage_parallel_s"]

        from parsers.documents import PageText, Word
        from parsers.handreader import keep_for_second_reader, second_look

        image = page_image()

        def second() -> None:  # a page tesseract read at a mean of 50: kept, then read twice
            page = PageText(text="x", source="ocr", words=[Word(text="x", conf=50.0)])
            keep_for_second_reader(image, page, 90.0)
            second_look([page])
            if not page.second:
                raise RuntimeError("the second OCR reader is not available")

        out["second_reader_page_s"] = _best(second, max(2, repeats // 2))  # the first call loads the models

    exe = Path(sys.executable).with_name("rxintake")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "rxintake.cli"]
    out["extract_help_startup_s"] = _best(lambda: subprocess.run(
        [*cmd, "extract", "--help"], capture_output=True, check=True), max(repeats, 3))
    return out


def corpus_times(folder) -> dict[str, tuple[int, float]]:
    """Mean seconds to read one document of each render in a corpus folder (manifest.json beside)."""
    import json
    import time
    from collections import defaultdict

    from parsers.mail import parse_message
    from rxintake.pipeline import read_document
    from rxintake.settings import Settings

    settings = Settings()
    times: dict[str, list[float]] = defaultdict(list)
    for entry in json.loads((folder / "manifest.json").read_text())["cases"]:
        message = parse_message((folder / f"{entry['case']}.eml").read_bytes())
        for doc in message.documents:
            start = time.perf_counter()
            read_document(doc, settings)
            times[entry["render"]].append(time.perf_counter() - start)
    return {render: (len(t), sum(t) / len(t)) for render, t in sorted(times.items())}


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main `rxintake` app."""
    bench = typer.Typer(help="Benchmarks that print their figures.", no_args_is_help=True)
    app.add_typer(bench, name="bench")

    @bench.command("ocr")
    def ocr(
        repeats: int = typer.Option(5, help="Runs per figure; the fastest counts."),
        pages: int = typer.Option(4, help="Pages of the multi-page scan."),
        workers: int = typer.Option(0, help="Parallel OCR workers (0: one per core)."),
        corpus: Optional[Path] = typer.Option(None, help="Also time each document of a corpus folder "
                                                         "(one with manifest.json), by render."),
    ) -> None:
        """Seconds per text-layer page and per OCR'd page, against bare tesseract; parallel speedup; start-up."""
        r = run_ocr_bench(repeats=repeats, pages=pages, workers=workers or None)
        rows = [
            ("text-layer page (pdfplumber)", f"{r['text_layer_page_s'] * 1000:.0f} ms/page"),
            ("bare `OMP_THREAD_LIMIT=1 tesseract IMAGE -`, 300-dpi page", f"{r['bare_tesseract_s']:.2f} s/page"),
            ("rxintake OCR page (clean-up, orientation check, one tesseract run)",
             f"{r['rxintake_page_s']:.2f} s/page"),
            ("  ratio to bare tesseract (target <= 1.25)", f"{r['ratio']:.2f}x"),
            ("  CPU seconds, bare / rxintake (steady when the machine is busy)",
             f"{r['bare_tesseract_cpu_s']:.2f} / {r['rxintake_page_cpu_s']:.2f} s = {r['cpu_ratio']:.2f}x"),
            ("rxintake OCR page upside down", f"{r['rxintake_upside_down_page_s']:.2f} s/page, "
                                              f"{'read' if r['upside_down_read'] else 'NOT read'}"),
            ("second reader on a poorly read page (handwriting only; two readings)",
             f"{r['second_reader_page_s']:.2f} s/page"),
            (f"{r['multipage_pages']:.0f}-page scan, 1 worker", f"{r['multipage_serial_s']:.2f} s"),
            (f"{r['multipage_pages']:.0f}-page scan, {r['multipage_workers']:.0f} workers",
             f"{r['multipage_parallel_s']:.2f} s ({r['multipage_speedup']:.2f}x speedup)"),
            ("`rxintake extract --help` start-up (target <= 0.5 s)", f"{r['extract_help_startup_s']:.2f} s"),
        ]
        if corpus:
            for render, (n, mean) in corpus_times(corpus).items():
                rows.append((f"corpus {render} document (n={n})", f"{mean:.2f} s"))
        width = max(len(k) for k, _ in rows)
        for k, v in rows:
            typer.echo(f"{k:<{width}}  {v}")
