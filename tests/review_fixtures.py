"""A linked synthetic case for the review page's tests, and a review server running on
the loopback interface in a background thread (the real uvicorn, as `fullcount review`
runs it)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from link_fixtures import new_case, source_files, synth_lists

from fullcount.case import Case
from fullcount.cli.review_command import allowed_hosts
from fullcount.link.stage import run_link_stage
from fullcount.review import ReviewSession, create_app


def linked_case(folder: Path) -> Path:
    """The linkage tests' synthetic lists (1,500 people, 4 lists), linked."""
    case_dir = new_case(folder / "case", source_files(synth_lists(folder / "lists")))
    with Case.open(case_dir) as case:
        run_link_stage(case)
    return case_dir


@contextmanager
def review_server(case: Case, reviewer: str = "") -> Iterator[tuple[ReviewSession, str]]:
    """Serve the review page of ``case``; yields the session and the printed link."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    session = ReviewSession(case, allowed_hosts("127.0.0.1", port), reviewer=reviewer)
    session.start()
    server = uvicorn.Server(uvicorn.Config(create_app(session), log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the review server did not start")
        time.sleep(0.05)
    try:
        yield session, f"http://127.0.0.1:{port}/?token={session.token}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
