"""Finding a text file's encoding: declared, marked by a BOM, or detected.

Lists arrive as UTF-8 (with or without BOM), UTF-16 from Excel's "Unicode text", and
Windows-1256 from older Persian/Arabic software. Detection reads the whole file once
(it is hashed anyway) and never guesses silently: what was chosen, and why, is reported.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from fullcount.errors import IngestError

SAMPLE_BYTES = 1 << 20

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Encodings tried by detection when a file is not UTF-8; the legacy ones users meet.
_CANDIDATES = ["cp1256", "utf_16_le", "utf_16_be", "iso8859_6", "cp1252", "latin_1"]


@dataclass(frozen=True)
class EncodingChoice:
    name: str  # a Python codec name
    how: str  # "declared", "byte-order mark", "detected"
    invalid_lines: int = 0  # lines that do not decode (their rows are quarantined)

    @property
    def line_safe(self) -> bool:
        """True if the file can be split on b"\\n" before decoding (not UTF-16/32)."""
        return not self.name.replace("_", "-").startswith(("utf-16", "utf-32"))


def canonical_name(name: str) -> str:
    """Return Python's codec name for ``name``, or raise a clear error."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise IngestError(
            f"'{name}' is not an encoding this system knows",
            hint="Use e.g. utf-8, utf-8-sig, utf-16, windows-1256, or 'auto' to detect.",
        ) from None


def choose_encoding(path: Path, declared: str = "auto") -> EncodingChoice:
    """Decide how to decode ``path``; raise ``IngestError`` if a declared one is wrong."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if declared and declared != "auto":
        name = canonical_name(declared)
        choice = EncodingChoice(name, "declared")
        bad = _invalid_lines(path, choice)
        if bad:
            guess = _guess(path)
            raise IngestError(
                f"{path} is not valid {declared}: {bad:,} line(s) contain bytes that "
                f"{declared} cannot decode",
                hint=f"It looks like {guess}; re-run with --encoding {guess}"
                if guess and guess != name
                else "Check how the file was exported, or try --encoding auto.",
            )
        return choice
    for bom, name in _BOMS:
        if head.startswith(bom):
            # A BOM names the encoding; lines that still fail to decode are quarantined.
            return _checked(path, EncodingChoice(name, "byte-order mark"))
    if utf16 := _looks_utf16(path):
        return _checked(path, EncodingChoice(utf16, "detected"))
    utf8 = EncodingChoice("utf-8", "detected")
    bad = _invalid_lines(path, utf8)
    if bad == 0:
        return utf8
    lines = _count_lines(path)
    if bad <= max(1, lines // 100):
        # Mostly UTF-8 with a few damaged lines: read as UTF-8, quarantine those rows.
        return EncodingChoice("utf-8", "detected", invalid_lines=bad)
    guess = _guess(path)
    if guess is None:
        raise IngestError(
            f"cannot tell the text encoding of {path}: it is not UTF-8 "
            f"({bad:,} of {lines:,} lines do not decode) and no other encoding fits",
            hint="Re-run with --encoding NAME (e.g. windows-1256) if you know it.",
        )
    # The guess rests on the first SAMPLE_BYTES; lines further on may still not decode.
    return _checked(path, EncodingChoice(guess, "detected"))


def _checked(path: Path, choice: EncodingChoice) -> EncodingChoice:
    """``choice`` with its undecodable lines counted (their rows are quarantined).

    UTF-16/32 cannot be split into lines before decoding, so a damaged UTF-16/32 file
    cannot be read row by row: it is refused with a clear message.
    """
    bad = _invalid_lines(path, choice)
    if bad and not choice.line_safe:
        raise IngestError(
            f"{path} looks like {choice.name} ({choice.how}) but has bytes that "
            f"{choice.name} cannot decode",
            hint="Re-export the file (e.g. as UTF-8 CSV), or re-run with --encoding NAME "
            "if you know its real encoding.",
        )
    return EncodingChoice(choice.name, choice.how, invalid_lines=bad)


def _invalid_lines(path: Path, choice: EncodingChoice) -> int:
    if not choice.line_safe:
        try:
            with path.open("r", encoding=choice.name, newline="") as handle:
                while handle.read(SAMPLE_BYTES):
                    pass
        except UnicodeError:
            return 1
        return 0
    decoder = codecs.getincrementaldecoder(choice.name)()
    try:  # fast path: the whole file decodes
        with path.open("rb") as handle:
            while chunk := handle.read(SAMPLE_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        return 0
    except UnicodeDecodeError:
        pass
    bad = 0
    with path.open("rb") as handle:
        for line in handle:
            try:
                line.decode(choice.name)
            except UnicodeDecodeError:
                bad += 1
    return bad


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(SAMPLE_BYTES):
            count += chunk.count(b"\n")
    return max(count, 1)


def _looks_utf16(path: Path) -> str | None:
    """BOM-less UTF-16: ASCII text then has a zero byte in every other position."""
    with path.open("rb") as handle:
        sample = handle.read(4096)
    if len(sample) < 8:
        return None
    even_zeros = sample[0::2].count(0) / len(sample[0::2])
    odd_zeros = sample[1::2].count(0) / len(sample[1::2])
    if odd_zeros > 0.3 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.3 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def _guess(path: Path) -> str | None:
    """Best legacy encoding for a non-UTF-8 file, by charset-normalizer on a sample."""
    from charset_normalizer import from_bytes

    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    best = from_bytes(sample, cp_isolation=_CANDIDATES).best()
    if best is None:
        # The detector gives up on some files whose chunks look noisy to it (names with
        # dropped letters, digits of two scripts); Arabic-script text is still plain.
        return "cp1256" if _arabic_in_cp1256(sample) else None
    name = codecs.lookup(best.encoding).name
    # Arabic-script text in a single-byte encoding is nearly always Windows-1256; other
    # single-byte guesses for it are artefacts of the detector's language models.
    if (name != "cp1256" and name.startswith(("iso8859", "cp12", "latin"))
            and _arabic_in_cp1256(sample)):
        return "cp1256"
    return name


def _arabic_in_cp1256(sample: bytes) -> bool:
    """Whether ``sample`` read as Windows-1256 is text in Arabic script: more than 5% of
    its characters Arabic letters, and no control characters but tab and line ends."""
    try:
        text = sample.decode("cp1256")
    except UnicodeDecodeError:
        return False
    if any(ch < " " and ch not in "\t\r\n" for ch in text):
        return False
    return sum("\u0600" <= ch <= "\u06ff" for ch in text) > len(text) * 0.05
