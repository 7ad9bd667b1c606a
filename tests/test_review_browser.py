"""The review page in a real browser: Debian's Chromium, headless, driven by Playwright.

An analyst opens the printed link, gives a name, decides three pairs by keyboard and one
by mouse, undoes one, and applies the decisions; the case must hold exactly those
decisions and the register must have changed. A screenshot of a pair is kept as a test
artefact (``$FULLCOUNT_TEST_ARTIFACTS``, default ``test-artifacts/`` in the repository).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from link_fixtures import copy_case
from review_fixtures import linked_case, review_server

from fullcount.case import Case, fetch_one

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("FULLCOUNT_TEST_ARTIFACTS",
                                Path(__file__).resolve().parent.parent / "test-artifacts"))
# As root in a container Chromium needs --no-sandbox; the rest keep it off the network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (apt-get install chromium); "
                    ".ci/run installs it")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return linked_case(tmp_path_factory.mktemp("review-browser"))


def _pair_of(url: str) -> tuple[int, int]:
    parts = urlsplit(url).path.strip("/").split("/")
    assert parts[0] == "pair", url
    return int(parts[1]), int(parts[2])


def _entity(case: Case, record_id: int) -> int:
    return int(fetch_one(case.con, "SELECT entity_id FROM entity_records "
                                   "WHERE record_id = ?", [record_id])[0])


def test_decide_by_keyboard_and_mouse_undo_and_apply(browser, linked: Path,  # type: ignore[no-untyped-def]
                                                     tmp_path: Path) -> None:
    case_dir = copy_case(linked, tmp_path / "case")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with Case.open(case_dir) as case:
        before = fetch_one(case.con, "SELECT count(*) FROM entities")[0]
        with review_server(case) as (_session, url):
            origin = urlsplit(url).netloc
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: problems.append(f"external request: {r.url}")
                    if urlsplit(r.url).netloc != origin else None)

            page.goto(url)
            assert "token" not in page.url                  # dropped from the address
            page.fill("#name", "Test Reviewer آزمون")
            with page.expect_navigation():
                page.click("text=Start")
            assert page.inner_text("#reviewer") == "Test Reviewer آزمون"
            with page.expect_navigation():
                page.click("#start")

            decided = []
            for key in ("y", "n", "u"):                     # three by keyboard
                decided.append(_pair_of(page.url))
                with page.expect_navigation():
                    page.keyboard.press(key)
            decided.append(_pair_of(page.url))              # one by mouse
            with page.expect_navigation():
                page.click("#btn-non-match")
            assert len(set(decided)) == 4
            page.screenshot(path=str(ARTIFACTS / "review-pair.png"), full_page=True)
            with page.expect_navigation():                  # undo the mouse's decision
                page.keyboard.press("z")
            assert _pair_of(page.url) == decided[3]
            assert "withdrawn" in page.inner_text("body")

            with page.expect_navigation():                  # skip to the next pair
                page.keyboard.press("ArrowRight")
            assert _pair_of(page.url) not in decided[:3]

            page.goto(url.split("?")[0])
            assert "3 decision(s) not yet applied" in page.inner_text("#progress")
            with page.expect_navigation(timeout=120_000):
                page.click("#apply")
            assert urlsplit(page.url).path == "/summary"
            shown_now = int(page.inner_text("#entities-now").replace(",", ""))
            page.screenshot(path=str(ARTIFACTS / "review-summary.png"), full_page=True)
            page.close()
            assert not problems, problems

        current = {(a, b): (d, r) for a, b, d, r in case.con.execute(
            "SELECT record_id_l, record_id_r, decision, reviewer FROM current_decisions"
        ).fetchall()}
        assert current == {decided[0]: ("match", "Test Reviewer آزمون"),
                           decided[1]: ("non_match", "Test Reviewer آزمون"),
                           decided[2]: ("unsure", "Test Reviewer آزمون")}
        made, withdrawn = fetch_one(case.con, "SELECT count(*), count(withdrawn_at) "
                                              "FROM decisions")
        assert (made, withdrawn) == (4, 1)
        actions = [a for (a,) in case.con.execute(
            "SELECT action FROM audit_log ORDER BY entry_id").fetchall()]
        assert actions[-6:] == ["decision"] * 4 + ["decision_withdrawn", "link"]

        after = fetch_one(case.con, "SELECT count(*) FROM entities")[0]
        assert after == shown_now != before
        assert _entity(case, decided[0][0]) == _entity(case, decided[0][1])
        assert _entity(case, decided[1][0]) != _entity(case, decided[1][1])
