"""Bytes of an HTML (or XML) file -> text, whatever the encoding.

Order of trust: a byte-order mark, then a declaration (``<meta charset>``,
``http-equiv`` Content-Type, ``<?xml encoding?>``) when the bytes decode
cleanly with it, then strict UTF-8, then charset-normalizer's guess. Labels
follow the WHATWG rule that ``iso-8859-1``/``ascii`` mean windows-1252, which is
what browsers do and what mislabelled pages actually contain.

>>> decode_html("<meta charset=windows-1252><p>caf\\xe9".encode("cp1252"))[0][-4:]
'café'
>>> decode_html("<p>Übersicht".encode("utf-8"))[1]
'utf-8'
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = (  # UTF-32 first: its LE mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# <meta charset="x">, <meta http-equiv="Content-Type" content="text/html; charset=x">
_META_CHARSET = re.compile(rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)", re.I)
_WINDOWS_1252_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii", "cp819"}
PRESCAN_BYTES = 8192
DETECT_BYTES = 65536  # charset-normalizer on a 20 MB page would be slow; a sample is enough


def declared_encoding(raw: bytes) -> str | None:
    """The encoding a page declares in its first bytes (normalised codec name), or None.

    >>> declared_encoding(b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">')
    'cp1252'
    """
    head = raw[:PRESCAN_BYTES]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not match:
        return None
    label = match.group(1).decode("ascii", "ignore").strip().lower()
    if label in _WINDOWS_1252_LABELS:
        label = "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(raw: bytes) -> tuple[str, str]:
    """``(text, encoding)`` for the bytes of a page. Never raises: the last
    resort is windows-1252, which maps every byte."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(name, "replace"), name
    declared = declared_encoding(raw)
    if declared:
        # utf-16 declared inside ASCII-readable bytes is a lie: the bytes are 8-bit
        if not declared.startswith("utf-16"):
            try:
                return raw.decode(declared), declared
            except UnicodeDecodeError:
                pass  # mislabelled: fall through to detection
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw[:DETECT_BYTES]).best()
    encoding = best.encoding if best is not None else "cp1252"
    if encoding in ("ascii", "latin_1"):
        encoding = "cp1252"
    return raw.decode(encoding, "replace"), encoding
