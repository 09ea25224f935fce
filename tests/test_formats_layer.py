"""The readers are one layer: each format module imports only the model and the shared
helpers, and one function picks the reader for a file."""

import ast
from pathlib import Path

import pytest

import audiobook.formats as formats
from audiobook.book import load_book
from tests.packing import FIXTURES, pack_epub

SHARED = {"audiobook.model", "audiobook.errors", "audiobook.formats.common",
          "audiobook.formats.conventions", "audiobook.formats.markup",
          "audiobook.formats.epubfile"}
"""What a format module may import from the package."""


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n.startswith("audiobook")}


def test_format_modules_import_only_the_model_and_shared_helpers():
    folder = Path(formats.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) >= 9
    for path in modules:
        if path.name == "__init__.py":
            continue
        allowed = SHARED - {f"audiobook.formats.{path.stem}"}
        if path.stem in ("conventions", "markup", "epubfile", "common"):
            # Shared helpers build on the model and each other, never on a reader.
            allowed = SHARED
        assert _imports(path) <= allowed, (path.name, _imports(path) - allowed)
    # And nothing below the picker imports it: no circle back to book.py.
    for path in modules:
        assert "audiobook.book" not in _imports(path), path.name


@pytest.mark.parametrize("name, source", [
    ("ao3/the-lamplighters-debt.html", "archiveofourown.org"),
    ("ao3/the-night-watch-anonymous.html", "archiveofourown.org"),
    ("ao3/salt-and-cinders-orphaned", "archiveofourown.org"),
    ("ao3/the-cartographers-apprentice-two-authors", "archiveofourown.org"),
    ("fanficfare/the-tollkeeper-epub2", "www.fanfiction.net"),
    ("fanficfare/harbour-lights-epub3", "archiveofourown.org"),
    ("fanficfare/the-tollkeeper.html", "www.fanfiction.net"),
    ("fanfic/the-salt-road-fanficfare.txt", "www.fanfiction.net"),
    ("fanfic/the-ferrymans-daughter.txt", None),
])
def test_one_function_picks_the_reader_by_content(tmp_path, name, source):
    path = FIXTURES / name
    if path.is_dir():
        path = pack_epub(path, tmp_path / f"{path.name}.epub")
    book = load_book(path)
    assert book.work.source == source
    assert book.chapters and book.text.strip()


def test_a_plain_html_page_and_a_plain_epub_keep_their_generic_readers(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><h1>Rain</h1><p>It rained.</p></body></html>")
    assert load_book(page).work.source is None
