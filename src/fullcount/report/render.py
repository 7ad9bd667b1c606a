"""Write the report: one self-contained HTML file (fonts and figures embedded, nothing
fetched when it is opened) and, on request, the same pages as PDF through WeasyPrint.

The fonts (Noto Sans and Noto Sans Arabic, SIL Open Font License, ``fonts/OFL.txt``)
ship with fullcount, so Persian and Arabic names render the same on every machine and in
the PDF.
"""

from __future__ import annotations

import base64
import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from fullcount.errors import FullcountError
from fullcount.report import figures
from fullcount.report.data import ReportData, gather

if TYPE_CHECKING:
    from fullcount.case import Case

_FONTS = (("Noto Sans", "NotoSans-Regular.ttf", 400), ("Noto Sans", "NotoSans-Bold.ttf", 700),
          ("Noto Sans Arabic", "NotoSansArabic-Regular.ttf", 400),
          ("Noto Sans Arabic", "NotoSansArabic-Bold.ttf", 700))


def font_faces() -> Markup:
    """CSS ``@font-face`` rules carrying the shipped fonts as data."""
    folder = resources.files("fullcount.report") / "fonts"
    rules = []
    for family, name, weight in _FONTS:
        data = base64.b64encode((folder / name).read_bytes()).decode()
        rules.append(f"@font-face {{ font-family: '{family}'; font-weight: {weight}; "
                     f"src: url(data:font/ttf;base64,{data}) format('truetype'); }}")
    return Markup("\n".join(rules))


def _number(value: Any, digits: int = 0) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value == float("inf"):
        return "∞"
    return f"{value:,.{digits}f}"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("fullcount.report", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["number"] = _number
    env.filters["percent"] = lambda v, d=1: "" if v is None else f"{100 * v:.{d}f}%"
    return env


def _figures(data: ReportData) -> dict[str, str]:
    made: dict[str, str] = {}
    if data.pattern_counts:
        made["overlaps"] = figures.overlaps_figure(data.lists, data.patterns,
                                                   data.pattern_counts)
    rows = [figures.Interval(f"{e.label} · {e.stratum}", e.point, e.lower, e.upper,
                             e.recommended)
            for e in data.estimates]
    for e in data.estimates:
        if e.linkage:
            rows.append(figures.Interval(f"{e.label} · {e.stratum}, with linkage "
                                         "uncertainty", e.linkage["point"],
                                         e.linkage["lower"], e.linkage["upper"],
                                         e.recommended))
    if rows:
        made["estimates"] = figures.intervals_figure(rows, documented=data.documented)
    if data.sensitivity:
        made["sensitivity"] = figures.intervals_figure(
            [figures.Interval(f"{e.label} · {e.stratum}", e.point, e.lower, e.upper)
             for e in data.sensitivity], documented=None)
    histogram = data.linkage.get("probability_histogram")
    if histogram and any(histogram):
        made["pairs"] = figures.probability_figure(
            histogram, float(data.linkage.get("threshold") or 0.5),
            data.linkage["uncertain_band"])
    if data.by_month:
        made["time"] = figures.time_figure([m for m, _ in data.by_month],
                                           [n for _, n in data.by_month])
    if data.by_province:
        top = data.by_province[:25]
        made["provinces"] = figures.bars_figure([p for p, _ in top], [n for _, n in top])
    return made


@dataclass(frozen=True)
class WrittenReport:
    html: Path
    pdf: Path | None
    data: ReportData


def render_html(data: ReportData) -> str:
    """The report as one HTML page (the PDF is typeset from the same page)."""
    template = _environment().get_template("report.html")
    return template.render(d=data, fig=_figures(data), fonts=font_faces())


def write_report(case: Case, out: Path | None = None, *, pdf: bool = False,
                 with_names: bool = False) -> WrittenReport:
    """Write ``report.html`` (and ``report.pdf``) into the case folder, or to ``out``.
    Files appear complete or not at all (written aside, then renamed)."""
    data = gather(case, with_names=with_names)
    from fullcount.claims.compare import compare_claims

    data.claims = compare_claims(case)
    html_path = Path(out) if out else case.path / "report.html"
    if html_path.suffix.lower() != ".html":
        raise FullcountError(f"the report is an HTML file; '{html_path}' does not end in "
                             ".html", hint="e.g. --out report.html (the PDF is written "
                                           "beside it with --pdf).")
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html = render_html(data)
    _write_atomically(html_path, html.encode("utf-8"))
    pdf_path = None
    if pdf:
        pdf_path = html_path.with_suffix(".pdf")
        _write_atomically(pdf_path, _pdf_bytes(html))
    case.audit("report", {"html": str(html_path), "pdf": str(pdf_path) if pdf_path else None,
                          "estimate_run": (data.estimate_run or {}).get("run_id"),
                          "documented": data.documented, "claims": len(data.claims),
                          "with_names": with_names})
    return WrittenReport(html_path, pdf_path, data)


def _pdf_bytes(html: str) -> bytes:
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:   # OSError: the Pango library is missing
        raise FullcountError(f"cannot make the PDF: WeasyPrint is not usable here ({exc})",
                             hint="Install WeasyPrint's system libraries (Debian: "
                                  "apt-get install libpango-1.0-0 libpangoft2-1.0-0), "
                                  "or use the HTML report.") from None

    # Only data: URLs (the embedded fonts and figures); anything else is an error, so a
    # report can never reach the network.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return bytes(HTML(string=html, url_fetcher=fetcher).write_pdf())


def _write_atomically(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
