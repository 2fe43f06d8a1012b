"""Walk the paths given to ``foiasearch index``: files and folders, skipping
hidden entries and never looping on symlinks.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> (root / "a.html").write_text("<p>x</p>"); (root / ".hidden").write_text("x")
8
1
>>> [p.name for p in walk_files(root)]
['a.html']
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path


def _hidden(name: str) -> bool:
    return name.startswith(".")


def walk_files(root: Path) -> Iterator[Path]:
    """Regular files at or below ``root`` in a stable (sorted) order.

    Symlinked folders are followed once: a folder whose real path was
    already visited is skipped, so a link back up the tree cannot loop.
    """
    if root.is_file():
        yield root
        return
    seen: set[str] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        real = os.path.realpath(folder)
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue  # unreadable folder: nothing below it can be indexed
        subfolders = []
        for entry in entries:
            if _hidden(entry.name):
                continue
            try:
                if entry.is_dir():
                    subfolders.append(Path(entry.path))
                elif entry.is_file():
                    yield Path(entry.path)
            except OSError:
                continue
        stack.extend(reversed(subfolders))
