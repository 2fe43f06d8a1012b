"""Draw the FOIA release PDFs of the demo corpus.

A page is a list of marked-up lines (see :func:`layout`). One layout feeds two
backends: reportlab draws it as real text, or pillow paints it into a picture
that is placed on the page with no text layer, like a scanned sheet. Every page
gets a Bates number at the bottom right; on the scanned page it is part of the
picture.

>>> import tempfile, pathlib
>>> release = Release("r.pdf", "Demo", "DEF-", 101, [Page(["# Hello", "A {{(b)(6)}} line."])])
>>> path = write_release(release, pathlib.Path(tempfile.mkdtemp()))
>>> path.read_bytes()[:5]
b'%PDF-'
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

PAGE_W, PAGE_H = letter
MARGIN = 72.0
BODY_SIZE = 10.5
LEADING = 13.5
SCAN_DPI = 170
# "{{(b)(6),_(b)(7)(C)}}" is a redaction box; "_" keeps the label on one line.
REDACTION = re.compile(r"\{\{(.+?)\}\}")


@dataclass
class Page:
    """Marked-up lines: "## centred heading", "# bold line", "left\\tright",
    "> indented", "" (blank) or a paragraph that is wrapped to the margins."""

    lines: list[str]
    banner: str = ""  # printed centred at the top, e.g. a handling caveat
    header: tuple[str, str] = ("", "")  # browser print header (Gmail pages)
    footer: str = ""  # browser print footer, left side
    scanned: bool = False  # picture only, no text layer


@dataclass
class Release:
    filename: str
    title: str
    bates_prefix: str
    first_bates: int
    pages: list[Page] = field(default_factory=list)

    def bates(self, index: int) -> str:
        return f"{self.bates_prefix}{self.first_bates + index:06d}"


@dataclass(frozen=True)
class Run:
    """One piece of text at a position, in points from the bottom-left."""

    x: float
    y: float
    text: str
    font: str
    size: float
    boxed: bool = False


def _width(text: str, font: str, size: float) -> float:
    return stringWidth(REDACTION.sub(lambda m: f"  {m.group(1)}  ", text), font, size)


def _wrap(text: str, width: float) -> list[str]:
    lines, current = [], ""
    for word in text.split(" "):
        trial = f"{current} {word}" if current else word
        if current and _width(trial, "Helvetica", BODY_SIZE) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    return lines + [current]


def _line_runs(x: float, y: float, text: str, font: str, size: float) -> list[Run]:
    runs, pos = [], 0
    for match in REDACTION.finditer(text):
        plain = text[pos : match.start()]
        if plain:
            runs.append(Run(x, y, plain, font, size))
            x += stringWidth(plain, font, size)
        label = match.group(1).replace("_", " ")
        runs.append(Run(x + 3, y, label, "Helvetica-Bold", size - 1, boxed=True))
        x += stringWidth(label, "Helvetica-Bold", size - 1) + 8
        pos = match.end()
    if text[pos:]:
        runs.append(Run(x, y, text[pos:], font, size))
    return runs


def layout(page: Page, bates: str) -> list[Run]:
    """Place every line of ``page``; the Bates number goes bottom right."""
    runs: list[Run] = []
    y = PAGE_H - MARGIN
    if page.header[0] or page.header[1]:
        runs.append(Run(36, PAGE_H - 24, page.header[0], "Helvetica", 8))
        runs.append(Run(PAGE_W - 36 - stringWidth(page.header[1], "Helvetica", 8), PAGE_H - 24, page.header[1], "Helvetica", 8))
    if page.banner:
        runs.append(Run((PAGE_W - stringWidth(page.banner, "Helvetica-Bold", 9)) / 2, PAGE_H - 40, page.banner, "Helvetica-Bold", 9))
    for line in page.lines:
        if line.startswith("## "):
            text = line[3:]
            runs.append(Run((PAGE_W - stringWidth(text, "Helvetica-Bold", 13)) / 2, y, text, "Helvetica-Bold", 13))
            y -= 17
        elif line.startswith("# "):
            runs += _line_runs(MARGIN, y, line[2:], "Helvetica-Bold", BODY_SIZE + 0.5)
            y -= LEADING
        elif "\t" in line:
            left, right = line.split("\t")
            runs += _line_runs(MARGIN, y, left, "Helvetica-Bold", BODY_SIZE)
            runs += _line_runs(PAGE_W - MARGIN - _width(right, "Helvetica", BODY_SIZE - 1), y, right, "Helvetica", BODY_SIZE - 1)
            y -= LEADING
        elif line == "":
            y -= LEADING / 2
        else:
            indent = 24.0 if line.startswith("> ") else 0.0
            for wrapped in _wrap(line.removeprefix("> "), PAGE_W - 2 * MARGIN - indent):
                runs += _line_runs(MARGIN + indent, y, wrapped, "Helvetica", BODY_SIZE)
                y -= LEADING
        if y < 60:
            raise ValueError(f"page {bates} overflows: shorten it")
    if page.footer:
        runs.append(Run(36, 24, page.footer, "Helvetica", 7))
    runs.append(Run(PAGE_W - 54 - stringWidth(bates, "Helvetica-Bold", 9), 30, bates, "Helvetica-Bold", 9))
    return runs


def _draw_text_page(pdf: canvas.Canvas, runs: list[Run]) -> None:
    for run in runs:
        if run.boxed:
            width = stringWidth(run.text, run.font, run.size)
            pdf.setFillGray(0.82)
            pdf.rect(run.x - 3, run.y - 3, width + 6, run.size + 4, stroke=1, fill=1)
            pdf.setFillGray(0)
        pdf.setFont(run.font, run.size)
        pdf.drawString(run.x, run.y, run.text)


def scan_image(runs: list[Run]) -> Image.Image:
    """Paint ``runs`` into a greyscale picture at SCAN_DPI, like a scanner would."""
    scale = SCAN_DPI / 72
    image = Image.new("L", (round(PAGE_W * scale), round(PAGE_H * scale)), 248)
    draw = ImageDraw.Draw(image)
    fonts: dict[float, ImageFont.FreeTypeFont] = {}
    line_y, cursor, after_box = None, 0.0, False
    for run in runs:
        # Pillow's bundled font keeps the picture the same on every machine.
        font = fonts.setdefault(run.size, ImageFont.load_default(size=round(run.size * scale)))
        left, top = run.x * scale, (PAGE_H - run.y - run.size) * scale
        if run.y == line_y:
            # The bundled font is not as wide as Helvetica: push runs right so none overlap.
            left = max(left, cursor + (8 * scale if run.boxed or after_box else 0))
        width = font.getlength(run.text)
        if run.boxed:
            draw.rectangle((left - 4, top - 2, left + width + 4, top + run.size * scale + 6), fill=205, outline=0, width=2)
        draw.text((left, top), run.text, fill=20, font=font)
        line_y, cursor, after_box = run.y, left + width, run.boxed
    return image


def write_release(release: Release, outdir: Path) -> Path:
    """Write ``release`` as a PDF under ``outdir``; the bytes depend only on the input."""
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / release.filename
    buffer = io.BytesIO()
    # invariant=1 fixes the creation date and document id, so reruns match byte for byte.
    pdf = canvas.Canvas(buffer, pagesize=letter, invariant=1, pageCompression=1)
    pdf.setTitle(release.title)
    pdf.setAuthor("U.S. Immigration and Customs Enforcement")
    pdf.setCreator("foiasearch demo corpus")
    for index, page in enumerate(release.pages):
        runs = layout(page, release.bates(index))
        if page.scanned:
            pdf.drawImage(ImageReader(scan_image(runs)), 0, 0, width=PAGE_W, height=PAGE_H)
        else:
            _draw_text_page(pdf, runs)
        pdf.showPage()
    pdf.save()
    path.write_bytes(buffer.getvalue())
    return path
