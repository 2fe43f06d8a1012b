"""Walk the paths given to ``foiasearch index``: files and folders, skipping
hidden entries and never looping on symlinks. Every entry met that is not a
file to read (a dangling symlink, a link back into a folder already walked,
a folder that cannot be listed) comes out too, with the reason, so that it
gets an outcome line.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> (root / "a.html").write_text("<p>x</p>"); (root / ".hidden").write_text("x")
8
1
>>> [p.name for p in walk_files(root)]
['a.html']
>>> (root / "gone.pdf").symlink_to(root / "nowhere.pdf")
>>> [(p.name, problem) for p, problem in walk_entries(root)]
[('a.html', None), ('gone.pdf', 'dangling symlink')]
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# Problems, as the outcome line shows them.
DANGLING = "dangling symlink"
LOOP = "symlink loop: folder already indexed through another path"
SPECIAL = "not a regular file"


def _hidden(name: str) -> bool:
    return name.startswith(".")


def walk_entries(root: Path) -> Iterator[tuple[Path, str | None]]:
    """(path, None) for each regular file at or below ``root`` in a stable
    (sorted) order, and (path, problem) for each entry that is not one.

    Symlinked folders are followed once: a folder whose real path was
    already visited is reported as a loop, so a link back up the tree
    cannot loop.
    """
    if not root.is_dir():
        yield root, (None if root.is_file() else SPECIAL)
        return
    seen: set[str] = set()
    stack: list[Path] = [root]
    while stack:
        folder = stack.pop()
        real = os.path.realpath(folder)
        if real in seen:
            yield folder, LOOP
            continue
        seen.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield folder, f"unreadable folder: {exc.strerror or exc}"
            continue
        subfolders = []
        for entry in entries:
            if _hidden(entry.name):
                continue
            path = Path(entry.path)
            try:
                if entry.is_dir():
                    subfolders.append(path)
                elif entry.is_file():
                    yield path, None
                elif entry.is_symlink():
                    yield path, DANGLING
                else:
                    yield path, SPECIAL  # fifo, socket, device: reading could block
            except OSError as exc:
                yield path, f"unreadable: {exc.strerror or exc}"
        stack.extend(reversed(subfolders))


def walk_files(root: Path) -> Iterator[Path]:
    """Only the regular files of :func:`walk_entries`."""
    return (path for path, problem in walk_entries(root) if problem is None)


def printable(path: str) -> str:
    """A path as it can be printed and stored as text: bytes that are not
    UTF-8 (kept by Python as lone surrogates) and control characters (a
    newline in a name would forge an outcome line) as backslash escapes.

    >>> printable("bad\\udcff.html"), printable("two\\nlines.pdf"), printable("Café.pdf")
    ('bad\\\\xff.html', 'two\\\\nlines.pdf', 'Café.pdf')
    """
    if path.isprintable():
        return path
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
