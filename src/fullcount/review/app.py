"""The review web application: server-rendered pages on the loopback interface.

Security, since the pages show victims' data and change the case:

- Every request needs the session token `fullcount review` printed: in the link's
  ``?token=`` (which sets an HttpOnly, SameSite=Strict cookie and is then dropped from the
  address), or in that cookie. Without it the answer is 403.
- The Host header must name the address the server listens on (no DNS rebinding).
- A POST must also come from the page itself: its Origin (or, lacking one, its Referer)
  must be the server's own, and its form must carry the CSRF value of the session.
- Pages are autoescaped Jinja2; user data is never marked safe. Bidirectional-control and
  other invisible characters in the data are shown as visible codes, and every value is
  isolated (``<bdi>``) so that right-to-left text cannot reorder the page around it.
  The Content-Security-Policy allows only the server's own script and style.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import threading
import time
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from fullcount.case import fetch_one
from fullcount.errors import FullcountError
from fullcount.link.decisions import (
    DECISIONS,
    last_decision,
    record_decision,
    unapplied_decisions,
    withdraw_decision,
)
from fullcount.review.queue import (
    QueueFilter,
    QueueInfo,
    build_queue,
    next_pair,
    page_start_before,
    queue_counts,
    queue_page,
    queue_position,
    refresh_decision,
)
from fullcount.review.views import entity_view, pair_view, review_summary, split_entity

if TYPE_CHECKING:
    from fullcount.case import Case
    from fullcount.link.stage import LinkResult

COOKIE = "fullcount_review"
REVIEWER_COOKIE = "fullcount_reviewer"
DECISION_LABELS = {"match": "match", "non_match": "not a match", "unsure": "unsure"}

_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; form-action 'self'; base-uri 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class _BadForm(Exception):
    """A POSTed form without the session's CSRF value."""


@dataclass
class ReviewSession:
    """One `fullcount review` run: the open case and the secrets of its pages."""

    case: Case
    allowed_hosts: set[str]            # "host:port" values the Host header may take
    reviewer: str = ""                 # fixed by --reviewer; else each browser says
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    lock: threading.Lock = field(default_factory=threading.Lock)
    entities_at_start: int = 0
    queue: QueueInfo = field(default_factory=lambda: QueueInfo(0, [], []))
    # what "undo" takes back, most recent last: each action is one or more decision ids
    actions: list[list[int]] = field(default_factory=list)
    apply: Callable[[Case], LinkResult] | None = None

    @property
    def csrf(self) -> str:
        return hmac.new(self.token.encode(), b"csrf", "sha256").hexdigest()

    def start(self) -> None:
        self.entities_at_start = int(fetch_one(self.case.con,
                                               "SELECT count(*) FROM entities")[0])
        self.queue = build_queue(self.case)

    @property
    def queue_size(self) -> int:
        return self.queue.size


def shown(value: Any) -> Markup:
    """A value of user data as inert HTML: escaped, control and bidirectional-formatting
    characters made visible as ``⟨U+202E⟩``, isolated in a ``<bdi>``."""
    text = "" if value is None else str(value)
    parts = []
    for char in text:
        category = unicodedata.category(char)
        if (category in ("Cc", "Cf", "Zl", "Zp") and char not in "\t\n"
                and char != "\u200c"):  # ZWNJ is part of Persian spelling
            parts.append(Markup('<span class="ctl" title="invisible character">'
                                '⟨U+{:04X}⟩</span>').format(ord(char)))
        else:
            parts.append(escape(char))
    return Markup('<bdi dir="auto">{}</bdi>').format(Markup("").join(parts))


def _templates() -> Jinja2Templates:
    folder = resources.files("fullcount.review") / "templates"
    templates = Jinja2Templates(directory=str(folder))
    templates.env.filters["shown"] = shown
    templates.env.filters["percent"] = lambda p: "" if p is None else f"{100 * p:.1f}%"
    templates.env.globals["DECISION_LABELS"] = DECISION_LABELS
    return templates


def _filter(request: Request, queue: QueueInfo) -> QueueFilter:
    q = request.query_params
    place = q.get("place", "").strip()

    def day(name: str) -> dt.date | None:
        value = q.get(name, "").strip()
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None

    return QueueFilter(source=q.get("source", "").strip(),
                       place=queue.spelling(place) or place,
                       date_from=day("date_from"), date_to=day("date_to"),
                       show_decided=q.get("show_decided") == "1")


def _with_query(path: str, query: dict[str, str]) -> str:
    return f"{path}?{urlencode(query)}" if query else path


def _same_origin(request: Request, allowed_hosts: set[str]) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        origin = request.headers.get("referer")
    if not origin:
        return False
    parts = urlsplit(origin)
    return parts.scheme == "http" and parts.netloc in allowed_hosts


def create_app(session: ReviewSession) -> FastAPI:
    """The review application for one session (``session.start()`` must have run)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    templates = _templates()
    case = session.case

    def page(request: Request, name: str, status_code: int = 200,
             **context: Any) -> HTMLResponse:
        reviewer = reviewer_of(request)
        return templates.TemplateResponse(request, name, {
            "csrf": session.csrf, "reviewer": reviewer, "fixed_reviewer": session.reviewer,
            "case_name": case.settings.case.name, **context}, status_code=status_code)

    def reviewer_of(request: Request) -> str:
        return session.reviewer or unquote(request.cookies.get(REVIEWER_COOKIE, "")).strip()

    def denied(request: Request, reason: str, status_code: int = 403) -> HTMLResponse:
        return page(request, "denied.html", status_code=status_code, reason=reason)

    @app.middleware("http")
    async def guard(request: Request,
                    call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await _guarded(request, call_next)
        for name, value in _SECURITY_HEADERS.items():
            response.headers[name] = value
        response.headers["Server-Timing"] = \
            f"app;dur={1000 * (time.perf_counter() - started):.2f}"
        return response

    async def _guarded(request: Request,
                       call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.headers.get("host", "") not in session.allowed_hosts:
            return Response("unexpected Host header", status_code=400,
                            media_type="text/plain")
        offered = request.query_params.get("token")
        if offered is not None:
            if not hmac.compare_digest(offered.encode(), session.token.encode()):
                return denied(request, "This link's token is not the one of this review "
                                       "session.")
            query = {k: v for k, v in request.query_params.items() if k != "token"}
            path = "/" + request.url.path.lstrip("/")   # never "//host": stay on this server
            response = RedirectResponse(_with_query(path, query), 303)
            response.set_cookie(COOKIE, session.token, httponly=True, samesite="strict",
                                path="/")
            return response
        cookie = request.cookies.get(COOKIE, "")
        if not hmac.compare_digest(cookie.encode(), session.token.encode()):
            return denied(request, "Open the link that `fullcount review` printed: it "
                                   "carries this session's token.")
        if request.method not in ("GET", "HEAD") and not _same_origin(
                request, session.allowed_hosts):
            return denied(request, "This request did not come from the review page.")
        return await call_next(request)

    @app.exception_handler(_BadForm)
    async def bad_form(request: Request, exc: _BadForm) -> Response:
        return denied(request, "The form's CSRF value is missing or wrong.")

    async def form(request: Request) -> dict[str, Any]:
        """The POSTed form; refused (403) when its CSRF value is wrong."""
        data = await request.form()
        if not hmac.compare_digest(str(data.get("csrf", "")).encode(),
                                   session.csrf.encode()):
            raise _BadForm
        return {k: data.getlist(k) if k == "record" else data.get(k) for k in data}

    def filtered(request: Request) -> QueueFilter:
        return _filter(request, session.queue)

    def back(request: Request, path: str, extra: dict[str, str] | None = None) -> Response:
        return RedirectResponse(_with_query(path, {**filtered(request).query(),
                                                   **(extra or {})}), 303)

    static = resources.files("fullcount.review") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/", response_class=HTMLResponse)
    def queue(request: Request, after: int = 0) -> Response:
        where = filtered(request)
        with session.lock:
            listing = queue_page(case, where, after=after)
            before = page_start_before(case, where, listing.rows[0]["position"]) \
                if listing.rows and after else None
            unapplied = unapplied_decisions(case)
        return page(request, "queue.html", listing=listing, where=where,
                    choices=session.queue, previous=before,
                    query=where.query(), unapplied=unapplied,
                    message=request.query_params.get("message", ""))

    @app.get("/next")
    def next_(request: Request, after: int = 0) -> Response:
        with session.lock:
            found = next_pair(case, filtered(request), after=after)
        if found is None:
            return back(request, "/", {"message": "done"})
        return back(request, f"/pair/{found[0]}/{found[1]}")

    @app.get("/pair/{a}/{b}", response_class=HTMLResponse)
    def pair(request: Request, a: int, b: int) -> Response:
        where = filtered(request)
        try:
            with session.lock:
                view = pair_view(case, a, b)
                position = queue_position(case, view.left["record_id"],
                                          view.right["record_id"])
                counts = queue_counts(case, where)
        except FullcountError as exc:
            return denied(request, exc.message, status_code=404)
        return page(request, "pair.html", view=view, position=position, counts=counts,
                    query=where.query(), message=request.query_params.get("message", ""))

    @app.post("/pair/{a}/{b}/decide")
    async def decide(request: Request, a: int, b: int) -> Response:
        data = await form(request)
        reviewer = reviewer_of(request)
        if not reviewer:
            return back(request, "/", {"message": "name"})
        decision = str(data.get("decision", ""))
        if decision not in DECISIONS:
            return denied(request, f"'{decision}' is not a decision.", status_code=400)
        note = str(data.get("note") or "").strip() or None
        with session.lock:
            made = record_decision(case, a, b, decision, reviewer=reviewer, note=note)
            refresh_decision(case, made.record_id_l, made.record_id_r)
            session.actions.append([made.decision_id])
            after = queue_position(case, made.record_id_l, made.record_id_r)
        return back(request, "/next", {"after": str(after)})

    @app.post("/undo")
    async def undo(request: Request) -> Response:
        await form(request)
        reviewer = reviewer_of(request)
        with session.lock:
            if session.actions:
                taken = session.actions.pop()
            else:
                last = last_decision(case, reviewer) if reviewer else None
                taken = [last.decision_id] if last else []
            if not taken:
                return back(request, "/", {"message": "nothing_to_undo"})
            pairs = []
            for decision_id in taken:
                withdraw_decision(case, decision_id, reviewer=reviewer or "unknown")
                left, right = fetch_one(case.con, "SELECT record_id_l, record_id_r "
                                        "FROM decisions WHERE decision_id = ?", [decision_id])
                refresh_decision(case, left, right)
                pairs.append((left, right))
        left, right = pairs[0]
        return back(request, f"/pair/{left}/{right}", {"message": "undone"})

    @app.post("/reviewer")
    async def set_reviewer(request: Request) -> Response:
        data = await form(request)
        name = " ".join(str(data.get("name") or "").split())[:100]
        response = back(request, "/")
        if name:
            response.set_cookie(REVIEWER_COOKIE, quote(name), httponly=True, samesite="strict",
                                path="/")
        return response

    @app.get("/entity/{entity_id}", response_class=HTMLResponse)
    def entity(request: Request, entity_id: int) -> Response:
        try:
            with session.lock:
                view = entity_view(case, entity_id)
        except FullcountError as exc:
            return denied(request, exc.message, status_code=404)
        return page(request, "entity.html", view=view, query=filtered(request).query(),
                    message=request.query_params.get("message", ""))

    @app.post("/entity/{entity_id}/split")
    async def split(request: Request, entity_id: int) -> Response:
        data = await form(request)
        reviewer = reviewer_of(request)
        if not reviewer:
            return back(request, "/", {"message": "name"})
        moved = [int(r) for r in data.get("record") or [] if str(r).isdigit()]
        note = str(data.get("note") or "").strip() or None
        try:
            with session.lock:
                before = fetch_one(case.con, "SELECT coalesce(max(decision_id), 0) "
                                             "FROM decisions")[0]
                split_entity(case, entity_id, moved, reviewer=reviewer, note=note)
                made = case.con.execute(
                    "SELECT decision_id, record_id_l, record_id_r FROM decisions "
                    "WHERE decision_id > ? ORDER BY decision_id", [before]).fetchall()
                for _, left, right in made:
                    refresh_decision(case, left, right)
                session.actions.append([int(r[0]) for r in made])
        except FullcountError as exc:
            return back(request, f"/entity/{entity_id}", {"message": exc.message})
        return back(request, f"/entity/{entity_id}", {"message": "split"})

    @app.post("/apply")
    async def apply(request: Request) -> Response:
        await form(request)
        with session.lock:
            run = session.apply or _recluster
            run(case)
            session.queue = build_queue(case)
            session.actions.clear()   # entities are renumbered; undo starts afresh
        return RedirectResponse("/summary?message=applied", 303)

    @app.get("/summary", response_class=HTMLResponse)
    def summary(request: Request) -> Response:
        with session.lock:
            facts = review_summary(case, session.entities_at_start)
            counts = queue_counts(case, QueueFilter())
        return page(request, "summary.html", facts=facts, counts=counts,
                    message=request.query_params.get("message", ""))

    return app


def _recluster(case: Case) -> LinkResult:
    from fullcount.link.stage import run_link_stage

    return run_link_stage(case)
