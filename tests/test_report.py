"""The report: a self-contained HTML file that Chromium opens with no console error and no
request to anywhere, and a PDF whose pages render (pdftoppm) and whose text layer holds
Persian in reading order (pdftotext)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from link_fixtures import copy_case
from review_fixtures import linked_case
from test_review_browser import CHROMIUM, CHROMIUM_ARGS

from fullcount.case import Case, fetch_one
from fullcount.estimate.stage import run_estimate_stage
from fullcount.report import write_report
from fullcount.report.data import gather

pytestmark = pytest.mark.slow

PERSIAN_STATEMENT = (
    "به گزارش سازمان حقوق بشری آزادی، دست‌کم ۱۲۰۰ نفر در جریان اعتراضات کشته شدند. "
    "این سازمان همچنین از بازداشت بیش از ۵۰۰۰ نفر خبر داد.")
ENGLISH_STATEMENT = (
    "The ministry said that 300 people were killed during the unrest. "
    "An independent monitor documented more than 5,000 deaths in the same period. "
    "Rights groups reported 41 attacks on hospitals.")


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A linked case with estimates (log-linear, Chapman, leave-one-out) and claims."""
    folder = tmp_path_factory.mktemp("report")
    case_dir = linked_case(folder)
    documents = folder / "documents"
    documents.mkdir()
    (documents / "statement_fa.txt").write_text(PERSIAN_STATEMENT, encoding="utf-8")
    (documents / "statement_en.html").write_text(
        f"<html><body><p>{ENGLISH_STATEMENT}</p></body></html>", encoding="utf-8")
    with Case.open(case_dir) as case:
        run_estimate_stage(case, ["loglinear", "chapman"], sensitivity=True)
        _accept_claims(case, documents)
    return case_dir


def _accept_claims(case: Case, documents: Path) -> None:
    from fullcount.claims.register import accept_claims, extract_into_case, list_claims

    for path in sorted(documents.iterdir()):
        extract_into_case(case, path)
    accept_claims(case, [c.claim_id for c in list_claims(case)], reviewer="Report Test",
                  scope="all")


def _persian_names(case: Case, count: int = 5) -> list[str]:
    """Register names in Persian script without the lam-alef ligature or a zero-width
    non-joiner, which text extraction cannot give back as typed."""
    rows = case.con.execute("""
        SELECT name_persian FROM entities WHERE name_persian IS NOT NULL
        ORDER BY entity_id""").fetchall()
    names = [r[0] for r in rows
             if "لا" not in r[0] and "\u200c" not in r[0] and len(r[0].split()) >= 2]
    assert len(names) >= count
    return names[:count]


def test_html_is_self_contained_and_says_what_the_case_holds(reported: Path,
                                                               tmp_path: Path) -> None:
    case_dir = copy_case(reported, tmp_path / "case")
    with Case.open(case_dir) as case:
        written = write_report(case)
        documented = fetch_one(case.con, "SELECT count(*) FROM entities")[0]
        audited = fetch_one(case.con, "SELECT count(*) FROM audit_log "
                                      "WHERE action = 'report'")[0]
    assert written.html == case_dir / "report.html" and written.pdf is None
    assert audited == 1
    html = written.html.read_text(encoding="utf-8")
    # nothing to fetch: every src and url() is embedded data
    resources = re.findall(r"""(?:src|href)\s*=\s*["']([^"'#]+)""", html)
    resources += re.findall(r"url\(([^)]+)\)", html)
    assert resources and all(r.strip("'\"").startswith("data:") for r in resources), \
        [r[:60] for r in resources if not r.strip("'\"").startswith("data:")]
    for section in ("summary", "sources", "linkage", "overlaps", "estimates",
                    "distribution", "claims", "methods", "appendix"):
        assert f'id="{section}"' in html
    assert f'id="documented">{documented:,}<' in html
    assert "(recommended)" in html
    assert "without media_b" in html                       # leave-one-list-out
    assert "the hash chain verifies" in html
    assert "دست‌کم ۱۲۰۰ نفر" in html                        # a Persian claim, as written
    assert 'id="register"' not in html                     # names only on request


def test_report_opens_in_chromium_without_errors_or_requests(reported: Path,
                                                              tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    case_dir = copy_case(reported, tmp_path / "case")
    with Case.open(case_dir) as case:
        html = write_report(case, tmp_path / "out" / "report.html", with_names=True).html
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("request", lambda r: problems.append(f"request: {r.url[:80]}")
                if not r.url.startswith(("data:", html.as_uri())) else None)
        page.goto(html.as_uri())
        page.wait_for_load_state("load")
        assert page.locator("#documented").inner_text().replace(",", "").isdigit()
        figures = page.locator("figure img")
        assert figures.count() >= 4
        for i in range(figures.count()):                    # every figure decoded
            assert figures.nth(i).evaluate("img => img.naturalWidth") > 0
        # the shipped Persian font is the one used for Persian names
        used = page.evaluate("document.fonts.check('16px \"Noto Sans Arabic\"', 'محمد')")
        assert used
        page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
        browser.close()
    assert not problems, problems


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_pdf_pages_render_and_persian_reads_in_order(reported: Path, tmp_path: Path) -> None:
    case_dir = copy_case(reported, tmp_path / "case")
    with Case.open(case_dir) as case:
        written = write_report(case, pdf=True, with_names=True)
        names = _persian_names(case)
    assert written.pdf is not None and written.pdf.read_bytes().startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(written.pdf)], capture_output=True, text=True,
                          check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert pages >= 5
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "3",
                    str(written.pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == 3 and all(i.stat().st_size > 1000 for i in images)
    text = subprocess.run(["pdftotext", str(written.pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for name in names:                                      # logical order, word by word
        assert name in text, name
    # a claim's Persian quote, wrapped in its table cell: each line in reading order
    assert "به گزارش سازمان" in text and "جریان اعتراضات کشته" in text
    fonts = subprocess.run(["pdffonts", str(written.pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert "Noto-Sans-Arabic" in fonts


def test_report_command_writes_html_and_pdf(reported: Path, tmp_path: Path) -> None:
    case_dir = copy_case(reported, tmp_path / "case")
    result = subprocess.run([sys.executable, "-m", "fullcount", "report", "--case",
                             str(case_dir), "--out", str(tmp_path / "r" / "x.html"),
                             "--pdf"], capture_output=True, text=True, timeout=600,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert f"Report: {tmp_path / 'r' / 'x.html'}" in result.stdout
    assert (tmp_path / "r" / "x.pdf").exists()
    assert not [p for p in (tmp_path / "r").iterdir() if p.name.startswith(".")]
    bad = subprocess.run([sys.executable, "-m", "fullcount", "report", "--case",
                          str(case_dir), "--out", str(tmp_path / "x.txt")],
                         capture_output=True, text=True, timeout=300, check=False)
    assert bad.returncode != 0 and ".html" in bad.stderr


def test_report_before_linkage_says_what_to_run(tmp_path: Path) -> None:
    Case.create(tmp_path / "empty").close()
    result = subprocess.run([sys.executable, "-m", "fullcount", "report", "--case",
                             str(tmp_path / "empty")], capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode != 0
    assert "fullcount link" in result.stderr


def test_a_failed_pdf_leaves_no_partial_file(reported: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from fullcount.report import render

    case_dir = copy_case(reported, tmp_path / "case")

    def broken(_html: str) -> bytes:
        raise RuntimeError("typesetting failed")

    monkeypatch.setattr(render, "_pdf_bytes", broken)
    with Case.open(case_dir) as case, pytest.raises(RuntimeError):
        write_report(case, pdf=True)
    assert not (case_dir / "report.pdf").exists()
    assert not list(case_dir.glob(".report.*"))


def test_gather_without_estimates_warns(tmp_path: Path, reported: Path) -> None:
    case_dir = copy_case(reported, tmp_path / "case")
    with Case.open(case_dir) as case:
        case.con.execute("DELETE FROM estimates")
        data = gather(case)
    assert data.recommended is None and data.estimates == []
    assert any("No estimate" in w for w in data.warnings)
