"""Reading the text of the documents that claims come from: plain text, HTML, PDF, DOCX.

The kind is told by the file's first bytes (PDF, DOCX), then by its name (HTML), and
plain text is the rest. Text and HTML files may be in any encoding that ingest detects
(UTF-8/16/32 with or without BOM, Windows-1256 and other legacy ones: see
``fullcount.ingest.encoding``); an HTML ``<meta charset>`` is honoured. HTML keeps the
text in reading order without tags, scripts or styles, a blank line between blocks (so a
heading never runs into the sentence after it). PDF text comes from the text layer
(pypdf); a scan without one is refused with a hint to OCR it. DOCX gives paragraphs and
table cells in document order (python-docx).

Everything runs offline. Anything else (old .doc, RTF, ODT, images) is refused with a
message that says what to convert it to.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from fullcount.errors import FullcountError, IngestError

__all__ = ["DocumentError", "html_to_text", "read_document"]

_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml"})
_CONVERT_HINT = "Save it as PDF, DOCX, HTML or plain text (UTF-8) and try again."


class DocumentError(FullcountError):
    """A document cannot be read; the message names the file and what is wrong."""


def read_document(path: str | Path, *, encoding: str = "auto") -> str:
    """The text of the document at ``path`` (plain text, HTML, PDF or DOCX).

    ``encoding`` applies to text and HTML files: "auto" detects it."""
    path = Path(path)
    if not path.is_file():
        raise DocumentError(f"cannot read {path}: no such file",
                            hint="Check the path; give a file, not a folder.")
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError as error:
        raise DocumentError(f"cannot read {path}: {error.strerror or error}") from None
    if head.startswith(b"%PDF"):
        return _read_pdf(path)
    if head.startswith(b"PK\x03\x04"):
        if _is_docx(path):
            return _read_docx(path)
        raise DocumentError(f"{path} is a ZIP-based file that is not a Word (DOCX) document "
                            "(perhaps ODT, XLSX or EPUB)", hint=_CONVERT_HINT)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DocumentError(f"{path} is an old Microsoft Office file (.doc), which cannot be "
                            "read", hint="Open it in a word processor and save it as DOCX.")
    if head.lstrip().startswith(b"{\\rtf"):
        raise DocumentError(f"{path} is an RTF file, which cannot be read", hint=_CONVERT_HINT)
    if b"\x00" in head and not _utf16_or_32(head):
        raise DocumentError(f"{path} is a binary file of a kind that cannot be read",
                            hint=_CONVERT_HINT)
    text = _read_text(path, encoding, head)
    if path.suffix.lower() in _HTML_SUFFIXES or re.match(
            r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
            text[:2048], re.IGNORECASE | re.DOTALL):
        return html_to_text(text)
    return text


# ------------------------------------------------------------------ plain text


def _utf16_or_32(head: bytes) -> bool:
    """UTF-16/32 text: a BOM, or ASCII-range text with a zero in every other byte."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    even, odd = head[0::2], head[1::2]
    if not even or not odd:
        return False
    even_zeros, odd_zeros = even.count(0) / len(even), odd.count(0) / len(odd)
    return (odd_zeros > 0.3 and even_zeros < 0.05) or (even_zeros > 0.3 and odd_zeros < 0.05)


def _read_text(path: Path, encoding: str, head: bytes) -> str:
    from fullcount.ingest.encoding import choose_encoding

    declared = encoding
    if declared == "auto" and path.suffix.lower() in _HTML_SUFFIXES:
        charset = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?([\w-]+)", head, re.IGNORECASE)
        if charset:
            declared = charset.group(1).decode("ascii")
    try:
        choice = choose_encoding(path, declared)
    except IngestError as error:
        if declared != encoding:  # a wrong <meta charset>: detect instead
            return _read_text(path, "auto", b"")
        raise DocumentError(error.message.replace("--encoding", "encoding"),
                            hint=(error.hint or "").replace("re-run with --encoding",
                                                            "give the encoding")) from None
    name = choice.name
    if choice.invalid_lines and choice.how == "detected" and name == "utf-8":
        # Ingest reads a big CSV with a few damaged lines as UTF-8 and quarantines them;
        # a document (often a few long lines) that does not decode is in another encoding.
        from fullcount.ingest.encoding import _guess

        name = _guess(path) or name
    with path.open(encoding=name, errors="replace", newline="") as handle:
        return handle.read().lstrip("\ufeff")


# ------------------------------------------------------------------ HTML

_SKIPPED = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe",
                      "object", "canvas"})
_BLOCKS = frozenset({
    "p", "div", "section", "article", "aside", "header", "footer", "nav", "main", "h1", "h2",
    "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "td", "th",
    "thead", "tbody", "tfoot", "caption", "blockquote", "pre", "figure", "figcaption",
    "address", "hr", "form", "fieldset", "legend", "details", "summary", "title", "body",
})


class _TextParser(HTMLParser):
    """Collects an HTML page's text in order, a blank line between blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.preformatted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        if tag == "pre":
            self.preformatted += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        if tag == "pre":
            self.preformatted = max(0, self.preformatted - 1)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        self.parts.append(data if self.preformatted else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """The visible text of an HTML page, blocks separated by blank lines."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


# ------------------------------------------------------------------ PDF


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{path} is a password-protected PDF",
                                hint="Remove the password (print to PDF) and try again.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise DocumentError(f"cannot read the PDF {path}: {error}",
                            hint="The file may be damaged; open it and save a new copy.") from None
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise DocumentError(f"{path} has no text layer (a scanned PDF?)",
                            hint="Run OCR on it (e.g. ocrmypdf) and read the OCR'd copy.")
    return text


# ------------------------------------------------------------------ DOCX


def _is_docx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _read_docx(path: Path) -> str:
    import docx
    from docx.opc.exceptions import OpcError
    from docx.table import Table
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(str(path))
    except (OpcError, XMLSyntaxError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise DocumentError(f"cannot read the Word document {path}: {error}",
                            hint="The file may be damaged; open it and save a new copy.") from None
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            seen: set[object] = set()  # holding the elements keeps their proxies unique
            for row in item.rows:
                for cell in row.cells:
                    if cell._tc in seen:  # a merged cell comes once per grid column
                        continue
                    seen.add(cell._tc)
                    blocks.extend(p.text for p in cell.paragraphs)
        else:
            blocks.append(item.text)
    return "\n\n".join(block.strip() for block in blocks if block.strip())
