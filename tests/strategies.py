"""Hypothesis strategies for stories, markup and EPUB archives, shared by the property
tests and the fuzz run (`make fuzz`)."""

from __future__ import annotations

import io
import zipfile

from hypothesis import strategies as st

PIECES = [
    "Ada", "Ben", "the keeper", "said", "asked", "she", "he", "I", "rain", "lamp", "and",
    " ", " ", " ", "\n", "\n\n", "\n\n\n\n", "\t", "\r\n", ".", ",", "!", "?", ";", ":",
    "\u2014", "\u2013", "-", "...", "\u2026", '"', '"', "\u201c", "\u201d", "'", "\u2018",
    "\u2019", "'tis", "don't", "boys'", "(", ")", "[", "]", "*", "_", "#", "# ", "## ",
    "Chapter 1", "CHAPTER IV.", "Chapter Two: The Storm", "Prologue", "Epilogue", "Part 3",
    "* * *", "~~~", "oOo", "A/N:", "Author's note:", "Disclaimer:", "Title: X", "By: Y",
    "by Z", "Mr.", "Dr.", "St.", "$3.50", "10:30 pm", "1984", "3rd", "50%", "12,000",
    "www.example.com", "a@b.co", "HELLO THERE", "\u00e9", "e\u0301", "\U0001F600",
    "\U0001F3F3\ufe0f\u200d\U0001F308", "\u4f60\u597d", "\u300c", "\u300d",
    "\u05e9\u05dc\u05d5\u05dd", "\u202e", "\u200f", "\u200b", "\u00a0", "\ufeff", "\x0c",
    "\u00ab", "\u00bb", "\u201e", "<p>", "</p>", "&amp;", "&lol;", "\\", "`", ">", "1.", "- ",
]

stories = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=80).map("".join),
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=60).map("".join),
)
"""Texts that look like stories, with every awkward mark mixed in, and arbitrary text."""

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"]


@st.composite
def story_bytes(draw) -> bytes:
    """A story encoded some way, or raw bytes."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=400))
    text = draw(stories)
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.booleans()):
        return data
    # A damaged copy: some bytes overwritten.
    damage = draw(st.lists(st.tuples(st.integers(0, max(0, len(data))), st.binary(max_size=3)),
                           max_size=3))
    for at, junk in damage:
        data = data[:at] + junk + data[at + len(junk):]
    return data


TAGS = ["p", "div", "h1", "h2", "h3", "br", "hr", "span", "em", "aside", "section", "sup",
        "a", "script", "style", "title", "head", "body", "html", "blockquote", "li", "ol",
        "table", "td", "nav"]
ATTRS = ['', ' id="c1"', ' epub:type="footnote"', ' epub:type="noteref"', ' class="note"',
         ' hidden', ' role="doc-endnote"', ' epub:type="toc"', ' href="#c1"',
         ' epub:type="copyright-page"']


@st.composite
def markup(draw) -> str:
    """HTML-ish markup: tags (balanced or not), attributes, text and entities."""
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 3))
        tag = draw(st.sampled_from(TAGS))
        if kind == 0:
            parts.append(f"<{tag}{draw(st.sampled_from(ATTRS))}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        else:
            parts.append(draw(stories))
    if draw(st.booleans()):
        parts.insert(0, draw(st.sampled_from([
            '<?xml version="1.0"?>', "<!DOCTYPE html>",
            '<!DOCTYPE x [<!ENTITY lol "lol"><!ENTITY e SYSTEM "file:///etc/passwd">]>'])))
    return "".join(parts)


CONTAINER = ('<?xml version="1.0"?><container xmlns="urn:oasis:names:tc:opendocument:xmlns:'
             'container"><rootfiles><rootfile full-path="{root}"/></rootfiles></container>')
NAMES = ["OEBPS/content.opf", "OEBPS/a.xhtml", "OEBPS/b.xhtml", "OEBPS/toc.ncx",
         "OEBPS/nav.xhtml", "content.opf", "a.xhtml", "../a.xhtml", "/etc/passwd",
         "OEBPS/img.png", "OEBPS/sub/c.xhtml"]
GOOD_HREFS = ["a.xhtml", "b.xhtml", "sub/c.xhtml", "a.xhtml#c1", "b.xhtml#c1"]
HREFS = GOOD_HREFS * 6 + [
    "nav.xhtml", "toc.ncx", "img.png", "../a.xhtml", "/abs.xhtml", "http://example.com/x",
    "missing.xhtml", "%2e%2e/a.xhtml"]
MEDIA = ["application/xhtml+xml"] * 6 + ["application/x-dtbncx+xml", "image/png", "text/html",
                                          ""]


PROPERTIES = ["", ' properties="nav"', ' properties="cover-image"']
LINEAR = ["", ' linear="no"']


@st.composite
def opf(draw, docs: list[str]) -> str:
    """A package file listing `docs` (mostly correctly), a spine over them and some
    broken or hostile entries."""
    hrefs = docs + ["nav.xhtml", "toc.ncx"]
    if draw(st.integers(0, 4)) == 0:
        hrefs += draw(st.lists(st.sampled_from(HREFS), max_size=3))
    items = ""
    for n, href in enumerate(hrefs):
        media = "application/x-dtbncx+xml" if href.endswith(".ncx") else draw(
            st.sampled_from(MEDIA))
        props = PROPERTIES[1] if href == "nav.xhtml" else draw(
            st.sampled_from(PROPERTIES[:1] * 5 + PROPERTIES))
        items += f'<item id="i{n}" href="{href}" media-type="{media}"{props}/>'
    guide = draw(st.sampled_from(["", "", "", '<guide><reference type="toc" href="a.xhtml"/>'
                                              "</guide>"]))
    ids = list(range(len(docs))) or [0]
    if draw(st.integers(0, 9)) == 0:
        ids.append(len(hrefs) + 1)  # an idref the manifest lacks
    spine = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=6))
    refs = "".join(f'<itemref idref="i{i}"{draw(st.sampled_from(LINEAR * 4 + LINEAR[1:]))}/>'
                   for i in spine)
    title = draw(st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="<&"),
                         max_size=20))
    toc = len(docs) + 1
    return ('<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
            f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title>'
            f'</metadata><manifest>{items}</manifest><spine toc="i{toc}">{refs}</spine>'
            f"{guide}</package>")


@st.composite
def ncx(draw) -> str:
    points = "".join(f'<navPoint><navLabel><text>{draw(st.sampled_from(PIECES[:20]))}</text>'
                     f'</navLabel><content src="{draw(st.sampled_from(HREFS))}"/>'
                     for _ in range(draw(st.integers(0, 6))))
    points += "</navPoint>" * points.count("<navPoint>")
    return f'<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/"><navMap>{points}</navMap></ncx>'


@st.composite
def nav(draw, docs: list[str]) -> str:
    links = "".join(f'<li><a href="{draw(st.sampled_from(docs + HREFS))}">'
                    f'{draw(st.sampled_from(PIECES[:20]))}</a></li>'
                    for _ in range(draw(st.integers(0, 5))))
    landmarks = draw(st.sampled_from(["", "", '<nav epub:type="landmarks"><ol><li><a epub:type='
                                              '"copyright-page" href="b.xhtml">c</a></li></ol>'
                                              "</nav>"]))
    return f'<html><body><nav epub:type="toc"><ol>{links}</ol></nav>{landmarks}</body></html>'



@st.composite
def epub_bytes(draw) -> bytes:
    """EPUB archives: mostly well-formed, with random text, structure, names and damage."""
    docs = draw(st.lists(st.sampled_from(["a.xhtml", "b.xhtml", "sub/c.xhtml"]), unique=True,
                         max_size=3))
    members: dict[str, bytes | str] = {"mimetype": "application/epub+zip"}
    odds = draw(st.integers(0, 19))
    if odds > 2:
        members["META-INF/container.xml"] = CONTAINER.format(root="OEBPS/content.opf")
    elif odds > 0:
        members["META-INF/container.xml"] = draw(st.one_of(
            st.sampled_from(NAMES).map(lambda root: CONTAINER.format(root=root)), markup()))
    members["OEBPS/content.opf"] = draw(opf(docs)) if draw(st.integers(0, 9)) else draw(markup())
    for n, doc in enumerate(docs):
        if draw(st.integers(0, 14)):  # now and then a listed file is missing
            members[f"OEBPS/{doc}"] = draw(markup()) if draw(st.integers(0, 4)) == 0 else (
                f"<html><body><h1 id='c1'>Chapter {n + 1}</h1><p>{draw(stories)}</p>"
                f"{draw(markup())}</body></html>")
    if draw(st.booleans()):
        members["OEBPS/nav.xhtml"] = draw(nav(docs)) if draw(st.integers(0, 4)) else draw(markup())
    if draw(st.booleans()):
        members["OEBPS/toc.ncx"] = draw(ncx()) if draw(st.integers(0, 4)) else draw(markup())
    for _ in range(draw(st.sampled_from([0] * 8 + [1, 2]))):
        members[draw(st.sampled_from(NAMES))] = draw(st.binary(max_size=50))
    buffer = io.BytesIO()
    method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                                   zipfile.ZIP_LZMA]))
    with zipfile.ZipFile(buffer, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    data = buffer.getvalue()
    for at, junk in draw(st.lists(st.tuples(st.integers(0, len(data)), st.binary(max_size=4)),
                                  max_size=draw(st.sampled_from([0] * 8 + [1, 3])))):
        data = data[:at] + junk + data[at + len(junk):]
    return data
