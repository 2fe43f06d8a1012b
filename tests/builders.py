"""Small writers for the files the tests index: HTML pages and PDFs made
here, at test time, so the suite never depends on ../shared.

>>> import tempfile, pathlib
>>> path = write_pdf(pathlib.Path(tempfile.mkdtemp()) / "r.pdf", ["page one", "page two"])
>>> path.read_bytes()[:5]
b'%PDF-'
"""

from __future__ import annotations

import html
import io
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas


def write_html(path: Path, title: str, body: str, extra_head: str = "") -> Path:
    """A small but whole HTML page with navigation and a footer around it."""
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>{extra_head}</head>"
        f"<body><nav><a href='/'>Home</a> <a href='/about'>About us</a></nav>"
        f"<article><h1>{html.escape(title)}</h1>{paragraphs}</article>"
        f"<footer>Copyright Example Advocacy Network</footer></body></html>",
        encoding="utf-8",
    )
    return path


def pdf_bytes(pages: list[str | None], image_pages: dict[int, str] | None = None, title: str | None = None) -> bytes:
    """A PDF with one page per entry of ``pages`` (text lines split on \\n).

    ``image_pages`` maps a 0-based page index to text that is drawn as an
    image only (no text layer), like a scanned page.
    """
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter, invariant=1)
    if title:
        pdf.setTitle(title)
    for index, text in enumerate(pages):
        if image_pages and index in image_pages:
            pdf.drawImage(_text_image(image_pages[index]), 36, 300, width=540, height=400)
        elif text:
            y = 740
            for line in text.split("\n"):
                pdf.drawString(72, y, line)
                y -= 16
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def write_pdf(path: Path, pages: list[str | None], image_pages: dict[int, str] | None = None,
              prefix: bytes = b"") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(prefix + pdf_bytes(pages, image_pages))
    return path


def text_picture(text: str, size: tuple[int, int] = (1350, 1000), font_size: int = 40):
    """A white greyscale PIL image with ``text`` typed on it, line by line."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", font_size)
    except OSError:
        font = ImageFont.load_default(size=font_size)
    y = 40
    for line in text.split("\n"):
        draw.text((40, y), line, fill=0, font=font)
        y += font_size * 3 // 2
    return image


def _text_image(text: str):
    from reportlab.lib.utils import ImageReader

    return ImageReader(text_picture(text))
