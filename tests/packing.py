"""Packing fixture folders (an EPUB's files as they are inside the archive) into .epub files."""

from __future__ import annotations

import zipfile
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def pack_epub(folder: Path, dest: Path) -> Path:
    """Zip an unpacked EPUB: `mimetype` first and stored, as the format asks, then the rest."""
    with zipfile.ZipFile(dest, "w") as zf:
        zf.write(folder / "mimetype", "mimetype", compress_type=zipfile.ZIP_STORED)
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != "mimetype":
                zf.write(path, path.relative_to(folder).as_posix(),
                         compress_type=zipfile.ZIP_DEFLATED)
    return dest
