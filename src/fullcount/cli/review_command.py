"""`fullcount review`: the local web page where analysts decide the uncertain pairs."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Annotated

import typer

from fullcount.case import Case, fetch_one
from fullcount.cli.app import CaseOption, app, command, err, out, progress_steps, safe
from fullcount.errors import FullcountError

DEFAULT_PORT = 8765


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str, port: int) -> set[str]:
    """The Host header values a browser sends for this server."""
    names = {host}
    if _is_loopback(host):
        names |= {"127.0.0.1", "localhost", "[::1]"}
    return {f"[{n}]:{port}" if ":" in n and not n.startswith("[") else f"{n}:{port}"
            for n in names}


@command(app, "review")
def review(
    case_dir: CaseOption = Path("."),
    port: Annotated[int, typer.Option(
        min=0, max=65535, help="Port to listen on (0: any free port).")] = DEFAULT_PORT,
    host: Annotated[str, typer.Option(
        help="Address to listen on. The default, 127.0.0.1, is reachable from this "
        "computer only; anything else exposes victims' data to the network.")] = "127.0.0.1",
    reviewer: Annotated[str, typer.Option(
        help="Your name, for the audit log (otherwise the page asks).")] = "",
    apply_at_end: Annotated[bool, typer.Option(
        "--apply/--no-apply",
        help="When the server stops, apply the decisions made (re-cluster the register)."
    )] = True,
) -> None:
    """Decide the uncertain pairs in your browser: a local page shows both records side by
    side (as written, in their own script, and normalised), why the model scores them as
    it does, and the rest of each person; decide match (y), not a match (n) or unsure (u),
    undo (z), next (→). Every decision is audited. Stop with Ctrl-C: the decisions are
    then applied to the register (or use "Apply" on the page).

    The page is served on this computer only, behind a random token in the printed link.
    """
    import uvicorn

    from fullcount.link.decisions import unapplied_decisions
    from fullcount.link.stage import run_link_stage
    from fullcount.review import ReviewSession, create_app

    if not _is_loopback(host):
        err.print(f"[bold yellow]warning:[/bold yellow] listening on {safe(host)}: anyone "
                  "who can reach this address and has the link can see the records.")
    with Case.open(case_dir) as case:
        if fetch_one(case.con, "SELECT count(*) FROM entities")[0] == 0:
            raise FullcountError("the case has no register of people to review yet",
                                 hint="Run `fullcount link` first.")
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(128)   # from now on a browser's request waits for the server
        except OSError as exc:
            sock.close()
            raise FullcountError(f"cannot listen on {host}:{port}: {exc.strerror}",
                                 hint="Choose another port with --port (0: any free "
                                      "port).") from None
        port = sock.getsockname()[1]
        session = ReviewSession(case, allowed_hosts(host, port), reviewer=reviewer.strip())
        session.start()
        shown_host = "127.0.0.1" if _is_loopback(host) else host
        out.print(f"Review page ({session.queue_size:,} uncertain pairs):", markup=False)
        out.print(f"  http://{shown_host}:{port}/?token={session.token}", markup=False,
                  soft_wrap=True)
        out.print("Open it in your browser. Stop with Ctrl-C.", markup=False)
        server = uvicorn.Server(uvicorn.Config(create_app(session), log_level="warning",
                                               access_log=False))
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:   # uvicorn stops cleanly, then re-raises Ctrl-C
            pass
        out.print("Review server stopped.", markup=False)
        pending = unapplied_decisions(case)
        if pending and apply_at_end:
            with progress_steps(f"applying {pending} decision(s)") as say:
                result = run_link_stage(case, progress=say)
            out.print(f"Applied {pending} decision(s): {session.entities_at_start:,} people "
                      f"at the start of the session, {result.entities:,} now.",
                      markup=False)
        elif pending:
            out.print(f"{pending} decision(s) not yet applied: run `fullcount link`.",
                      markup=False)
