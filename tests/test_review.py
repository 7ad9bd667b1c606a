"""The review page without a browser (FastAPI's test client) and `fullcount review` as a
command: the queue, decisions and undo, splitting an entity, the summary, and the
security of the pages (token, origin, CSRF, Host, inert user data)."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from link_fixtures import copy_case
from review_fixtures import linked_case

from fullcount.case import Case, fetch_one
from fullcount.case.summary import case_status
from fullcount.cli.review_command import allowed_hosts
from fullcount.link.decisions import record_decision, unapplied_decisions
from fullcount.review import ReviewSession, create_app
from fullcount.review.app import COOKIE, shown
from fullcount.review.queue import (
    QueueFilter,
    build_queue,
    next_pair,
    page_start_before,
    queue_page,
    refresh_decision,
)

ORIGIN = {"origin": "http://testserver"}


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return linked_case(tmp_path_factory.mktemp("review"))


@pytest.fixture
def case(linked: Path, tmp_path: Path) -> Iterator[Case]:
    with Case.open(copy_case(linked, tmp_path / "case")) as opened:
        build_queue(opened)
        yield opened


def _client(case: Case, *, reviewer: str = "R. Viewer",
            signed_in: bool = True) -> tuple[TestClient, ReviewSession]:
    session = ReviewSession(case, {"testserver"}, reviewer=reviewer)
    session.start()
    client = TestClient(create_app(session), follow_redirects=False)
    if signed_in:
        client.cookies.set(COOKIE, session.token)
    return client, session


def _queue(case: Case) -> list[dict]:  # type: ignore[type-arg]
    return queue_page(case, QueueFilter(show_decided=True), limit=10_000).rows


# --- the queue ---------------------------------------------------------------------

def test_queue_holds_the_uncertain_pairs_most_consequential_first(case: Case) -> None:
    rows = _queue(case)
    low, high = case.settings.link.uncertain_low, case.settings.link.uncertain_high
    expected = fetch_one(case.con, "SELECT count(*) FROM pairs WHERE NOT veto AND "
                                   "match_probability >= ? AND match_probability < ?",
                         [low, high])[0]
    assert len(rows) == expected > 10
    for row in rows:
        p = row["match_probability"]
        assert low <= p < high
        assert row["expected_change"] == pytest.approx(1 - p if row["same_entity"] else p)
    changes = [row["expected_change"] for row in rows]
    assert changes == sorted(changes, reverse=True)
    assert [row["position"] for row in rows] == list(range(1, len(rows) + 1))
    # both kinds are there: pairs that would merge two people and pairs that would split one
    assert {row["same_entity"] for row in rows} == {True, False}


def test_queue_filters_by_source_place_and_date(case: Case) -> None:
    rows = _queue(case)
    source = rows[0]["source_l"]
    by_source = queue_page(case, QueueFilter(source=source), limit=10_000)
    assert by_source.rows and all(source in (r["source_l"], r["source_r"])
                                  for r in by_source.rows)
    assert by_source.total == sum(source in (r["source_l"], r["source_r"]) for r in rows)
    province = next(r["province_l"] for r in rows if r["province_l"])
    info = build_queue(case)
    assert info.spelling(province.upper()) == province
    by_place = queue_page(case, QueueFilter(place=province), limit=10_000).rows
    assert by_place and all(province in (r["province_l"], r["province_r"],
                                         r["place_l"], r["place_r"]) for r in by_place)
    day = next(r["date_l"] for r in rows if r["date_l"] and r["date_r"])
    by_date = queue_page(case, QueueFilter(date_from=day, date_to=day), limit=10_000).rows
    assert by_date and all(min(r["date_l"], r["date_r"]) <= day <= max(r["date_l"],
                                                                      r["date_r"])
                           for r in by_date if r["date_l"] and r["date_r"])
    assert queue_page(case, QueueFilter(source="no-such-list")).total == 0


def test_decided_pairs_leave_the_queue_and_the_counter_moves(case: Case) -> None:
    first = _queue(case)[0]
    pair = (first["record_id_l"], first["record_id_r"])
    assert next_pair(case, QueueFilter()) == pair
    record_decision(case, *pair, "unsure", reviewer="R")
    refresh_decision(case, *pair)
    page = queue_page(case, QueueFilter())
    assert (page.decided, page.remaining) == (1, page.total - 1)
    assert pair not in [(r["record_id_l"], r["record_id_r"]) for r in page.rows]
    assert next_pair(case, QueueFilter()) != pair
    shown_all = queue_page(case, QueueFilter(show_decided=True)).rows
    assert shown_all[0]["decision"] == "unsure"
    status = case_status(case)
    assert status["uncertain_pairs"] == page.total
    assert (status["uncertain_decided"], status["unapplied_decisions"]) == (1, 1)
    assert status["decisions"] == {"unsure": 1}


# --- deciding through the pages ------------------------------------------------------

def test_decide_next_undo_and_apply(case: Case) -> None:
    client, session = _client(case)
    before = fetch_one(case.con, "SELECT count(*) FROM entities")[0]
    rows = _queue(case)
    split = next(r for r in rows if r["same_entity"])
    merge = next(r for r in rows if not r["same_entity"])
    a, b = split["record_id_l"], split["record_id_r"]
    page = client.get(f"/pair/{a}/{b}")
    assert page.status_code == 200 and "Are these the same person?" in page.text
    answer = client.post(f"/pair/{a}/{b}/decide", headers=ORIGIN,
                         data={"csrf": session.csrf, "decision": "match", "note": "same"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/next")
    follow = client.get(answer.headers["location"])
    assert re.fullmatch(r"/pair/\d+/\d+", follow.headers["location"])
    assert follow.headers["location"] != f"/pair/{a}/{b}"
    decided = case.con.execute("SELECT decision, reviewer, note FROM current_decisions "
                               "WHERE record_id_l = ? AND record_id_r = ?",
                               [a, b]).fetchone()
    assert decided == ("match", "R. Viewer", "same")
    assert unapplied_decisions(case) == 1

    # undo withdraws it; "not a match" then splits that person in two when applied,
    # and "match" on a pair of two people puts them together
    undone = client.post("/undo", headers=ORIGIN, data={"csrf": session.csrf})
    assert undone.headers["location"].startswith(f"/pair/{a}/{b}")
    assert unapplied_decisions(case) == 0
    client.post(f"/pair/{a}/{b}/decide", headers=ORIGIN,
                data={"csrf": session.csrf, "decision": "non_match"})
    applied = client.post("/apply", headers=ORIGIN, data={"csrf": session.csrf})
    assert applied.headers["location"].startswith("/summary")
    after = fetch_one(case.con, "SELECT count(*) FROM entities")[0]
    assert after == before + 1
    assert _together(case, a, b) is False
    summary = client.get("/summary").text
    assert re.search(rf'id="entities-now">{after:,}<', summary)
    assert re.search(rf'id="entities-start">{before:,}<', summary)
    assert "R. Viewer" in summary and unapplied_decisions(case) == 0

    c, d = merge["record_id_l"], merge["record_id_r"]
    client.post(f"/pair/{c}/{d}/decide", headers=ORIGIN,
                data={"csrf": session.csrf, "decision": "match"})
    client.post("/apply", headers=ORIGIN, data={"csrf": session.csrf})
    assert _together(case, c, d) is True


def _together(case: Case, a: int, b: int) -> bool:
    return fetch_one(case.con, "SELECT count(DISTINCT entity_id) FROM entity_records "
                               "WHERE record_id IN (?, ?)", [a, b])[0] == 1


def test_the_page_asks_for_a_name_before_deciding(case: Case) -> None:
    client, session = _client(case, reviewer="")
    row = _queue(case)[0]
    assert 'name="name"' in client.get("/").text
    answer = client.post(f"/pair/{row['record_id_l']}/{row['record_id_r']}/decide",
                         headers=ORIGIN, data={"csrf": session.csrf, "decision": "match"})
    assert "message=name" in answer.headers["location"]
    assert fetch_one(case.con, "SELECT count(*) FROM decisions")[0] == 0
    client.post("/reviewer", headers=ORIGIN, data={"csrf": session.csrf,
                                                    "name": "  Laleh   K. "})
    client.post(f"/pair/{row['record_id_l']}/{row['record_id_r']}/decide",
                headers=ORIGIN, data={"csrf": session.csrf, "decision": "non_match"})
    assert fetch_one(case.con, "SELECT reviewer FROM decisions")[0] == "Laleh K."


def test_split_an_entity_from_its_page(case: Case) -> None:
    client, session = _client(case)
    entity_id, records = case.con.execute("""
        SELECT entity_id, list(record_id ORDER BY record_id) FROM entity_records
        GROUP BY entity_id HAVING count(*) = 3 ORDER BY entity_id LIMIT 1""").fetchone()
    page = client.get(f"/entity/{entity_id}")
    assert page.status_code == 200
    assert all(f'value="{r}"' in page.text for r in records)
    refused = client.post(f"/entity/{entity_id}/split", headers=ORIGIN,
                          data={"csrf": session.csrf, "record": records})
    assert "message=" in refused.headers["location"]       # not all of them
    client.post(f"/entity/{entity_id}/split", headers=ORIGIN,
                data={"csrf": session.csrf, "record": [str(records[0])]})
    assert fetch_one(case.con, "SELECT count(*) FROM current_decisions "
                               "WHERE decision = 'non_match'")[0] == 2
    client.post("/apply", headers=ORIGIN, data={"csrf": session.csrf})
    entities = dict(case.con.execute("SELECT record_id, entity_id FROM entity_records "
                                     "WHERE record_id IN (?, ?, ?)", records).fetchall())
    assert entities[records[0]] not in (entities[records[1]], entities[records[2]])
    assert entities[records[1]] == entities[records[2]]
    # undo takes back the whole split (both decisions), as one action
    client.post(f"/entity/{entities[records[1]]}/split", headers=ORIGIN,
                data={"csrf": session.csrf, "record": [str(records[1])]})
    assert unapplied_decisions(case) == 1
    client.post("/undo", headers=ORIGIN, data={"csrf": session.csrf})
    assert unapplied_decisions(case) == 0


def test_unknown_pairs_and_entities_are_a_clear_404(case: Case) -> None:
    client, _ = _client(case)
    assert client.get("/pair/1/999999999").status_code == 404
    assert "no entity" in client.get("/entity/999999999").text


# --- security ------------------------------------------------------------------------

def test_no_token_no_page(case: Case) -> None:
    client, session = _client(case, signed_in=False)
    for path in ("/", "/summary", "/static/review.js", "/pair/1/2", "/entity/1"):
        assert client.get(path).status_code == 403, path
    assert client.get("/?token=wrong").status_code == 403
    client.cookies.set(COOKIE, "wrong")
    assert client.get("/").status_code == 403
    client.cookies.clear()
    entered = client.get(f"/?token={session.token}&source=x")
    assert entered.status_code == 303
    assert entered.headers["location"] == "/?source=x"          # token dropped
    cookie = entered.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert client.get("/").status_code == 200                   # the cookie now works
    # a path of "//host" must not turn the redirect into one to another server
    elsewhere = client.get(f"/%2Fevil.example/?token={session.token}")
    assert elsewhere.headers["location"] == "/evil.example/"


def test_posts_need_the_token_the_origin_and_the_csrf_value(case: Case) -> None:
    row = _queue(case)[0]
    path = f"/pair/{row['record_id_l']}/{row['record_id_r']}/decide"
    client, session = _client(case)
    form = {"csrf": session.csrf, "decision": "match"}
    assert client.post(path, data=form).status_code == 403                   # no origin
    assert client.post(path, data=form,
                       headers={"origin": "http://evil.example"}).status_code == 403
    assert client.post(path, data=form,
                       headers={"origin": "null"}).status_code == 403
    assert client.post(path, data=form,
                       headers={"referer": "http://evil.example/x"}).status_code == 403
    assert client.post(path, data={**form, "csrf": "0" * 64},
                       headers=ORIGIN).status_code == 403
    assert client.post(path, data={"decision": "match"}, headers=ORIGIN).status_code == 403
    outsider = TestClient(create_app(session), follow_redirects=False)   # no cookie
    assert outsider.post(path, data=form, headers=ORIGIN).status_code == 403
    for action in ("/undo", "/apply", "/reviewer"):
        assert client.post(action, data={"csrf": session.csrf}).status_code == 403
    assert fetch_one(case.con, "SELECT count(*) FROM decisions")[0] == 0
    # the page's own form, same origin (or a same-origin Referer), is accepted
    ok = client.post(path, data=form, headers={"referer": "http://testserver/pair/1/2"})
    assert ok.status_code == 303
    assert fetch_one(case.con, "SELECT count(*) FROM decisions")[0] == 1


def test_a_foreign_host_header_is_refused(case: Case) -> None:
    client, _ = _client(case)
    assert client.get("/", headers={"host": "attacker.example"}).status_code == 400
    assert allowed_hosts("127.0.0.1", 8765) == {"127.0.0.1:8765", "localhost:8765",
                                                "[::1]:8765"}
    assert allowed_hosts("10.1.2.3", 80) == {"10.1.2.3:80"}


def test_pages_send_a_strict_content_security_policy(case: Case) -> None:
    client, _ = _client(case)
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    assert headers["server-timing"].startswith("app;dur=")


def test_script_and_rtl_override_in_a_record_are_shown_inert(case: Case) -> None:
    row = next(r for r in _queue(case))
    a, b = row["record_id_l"], row["record_id_r"]
    evil = "<script>alert(1)</script>"
    override = "Ali \u202egnirts\u202c Reza\u2066x"
    case.con.execute("UPDATE record_rows SET full_name = ?, father_name = ?, "
                     "raw = json_object('name', ?) WHERE record_id = ?",
                     [evil, override, evil, a])
    build_queue(case)
    client, _ = _client(case)
    for path in (f"/pair/{a}/{b}", "/", "/?show_decided=1",
                 f"/entity/{fetch_one(case.con, 'SELECT entity_id FROM entity_records WHERE record_id = ?', [a])[0]}"):
        text = client.get(path).text
        assert evil not in text, path
        assert "<script>alert" not in text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path
        for char in "\u202e\u202c\u2066":
            assert char not in text, path
    pair_page = client.get(f"/pair/{a}/{b}").text
    assert "⟨U+202E⟩" in pair_page and "⟨U+2066⟩" in pair_page
    # every script on the page is the server's own file
    assert re.findall(r"<script[^>]*>", pair_page) == [
        '<script src="/static/review.js" defer>']


def test_shown_escapes_isolates_and_keeps_persian_joiners() -> None:
    assert str(shown("<b>")) == '<bdi dir="auto">&lt;b&gt;</bdi>'
    assert str(shown(None)) == '<bdi dir="auto"></bdi>'
    assert "\u200c" in str(shown("می\u200cشود"))      # ZWNJ is Persian spelling
    assert "U+200F" in str(shown("a\u200fb"))


# --- the command ----------------------------------------------------------------------

def test_review_refuses_an_unlinked_case(tmp_path: Path) -> None:
    Case.create(tmp_path / "empty").close()
    result = subprocess.run([sys.executable, "-m", "fullcount", "review", "--case",
                             str(tmp_path / "empty"), "--port", "0"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert "fullcount link" in result.stderr


def test_review_command_serves_the_link_and_applies_at_the_end(linked: Path,
                                                                tmp_path: Path) -> None:
    case_dir = copy_case(linked, tmp_path / "case")
    with Case.open(case_dir, readonly=True) as case:
        before = fetch_one(case.con, "SELECT count(*) FROM entities")[0]
        split = next(r for r in _queue_readonly(case) if r["same_entity"])
    process = subprocess.Popen(
        [sys.executable, "-m", "fullcount", "review", "--case", str(case_dir),
         "--port", "0", "--reviewer", "Cli Reviewer"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "COLUMNS": "200"})
    try:
        url = _printed_link(process)
        assert url.startswith("http://127.0.0.1:")
        base = url.split("/?")[0]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/", timeout=30)
        assert refused.value.code == 403
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(url, timeout=30).read().decode()
        assert "Uncertain pairs" in page
        pair = f"/pair/{split['record_id_l']}/{split['record_id_r']}"
        page = opener.open(base + pair, timeout=30).read().decode()
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)[1]
        request = urllib.request.Request(
            base + pair + "/decide", method="POST",
            data=f"csrf={csrf}&decision=non_match".encode(),
            headers={"Origin": base, "Content-Type": "application/x-www-form-urlencoded"})
        opener.open(request, timeout=30)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert "Applied 1 decision(s)" in out
    with Case.open(case_dir, readonly=True) as case:
        assert fetch_one(case.con, "SELECT count(*) FROM entities")[0] == before + 1
        assert fetch_one(case.con, "SELECT reviewer FROM current_decisions")[0] == \
            "Cli Reviewer"


def _queue_readonly(case: Case) -> list[dict]:  # type: ignore[type-arg]
    """The queue's first pairs without the temporary table (the case is read-only)."""
    low, high = case.settings.link.uncertain_low, case.settings.link.uncertain_high
    cursor = case.con.execute("""
        SELECT p.record_id_l, p.record_id_r, l.entity_id AS entity_l,
               r.entity_id AS entity_r, l.entity_id = r.entity_id AS same_entity
        FROM pairs p JOIN entity_records l ON l.record_id = p.record_id_l
        JOIN entity_records r ON r.record_id = p.record_id_r
        WHERE NOT p.veto AND p.match_probability >= ? AND p.match_probability < ?
        ORDER BY p.match_probability DESC""", [low, high])
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _printed_link(process: subprocess.Popen) -> str:  # type: ignore[type-arg]
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        found = re.search(r"(http://\S+\?token=\S+)", line)
        if found:
            return found[1]
    process.kill()
    raise AssertionError("`fullcount review` printed no link: "
                         + (process.stderr.read() if process.stderr else ""))


def test_decided_at_is_utc_and_recent(case: Case) -> None:
    row = _queue(case)[0]
    client, session = _client(case)
    client.post(f"/pair/{row['record_id_l']}/{row['record_id_r']}/decide", headers=ORIGIN,
                data={"csrf": session.csrf, "decision": "unsure"})
    at = fetch_one(case.con, "SELECT decided_at FROM decisions")[0]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert abs((now - at).total_seconds()) < 60


def test_paging_by_position_walks_the_whole_queue(case: Case) -> None:
    everything = [r["position"] for r in _queue(case)]
    seen, after, starts = [], 0, []
    while True:
        page = queue_page(case, QueueFilter(show_decided=True), after=after, limit=7)
        seen += [r["position"] for r in page.rows]
        starts.append(after)
        if not page.more:
            break
        after = page.last_position
    assert seen == everything
    # "previous page" from each page start leads back to the page before it
    for before, start in itertools.pairwise(starts):
        first = next(p for p in everything if p > start)
        assert page_start_before(case, QueueFilter(show_decided=True), first,
                                 limit=7) == before


def test_the_queue_page_filters_by_place_in_any_letter_case(case: Case) -> None:
    client, _ = _client(case)
    province = next(r["province_l"] for r in _queue(case) if r["province_l"])
    text = client.get(f"/?place={province.lower()}").text
    assert f'name="place" value="{province}"' in text
    shown_rows = text.count("/pair/")
    expected = queue_page(case, QueueFilter(place=province)).rows
    assert shown_rows == len(expected) > 0
