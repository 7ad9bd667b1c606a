"""Encryption at rest: an encrypted case's files hold none of its names, a wrong
passphrase changes nothing, the CLI takes the passphrase from $FULLCOUNT_KEY, and
rekey swaps the key safely."""

from __future__ import annotations

import csv
import fcntl
import hashlib
import os
import shutil
import threading
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import fullcount.case as case_module
from fullcount.case import DATABASE_FILE, LOCK_FILE, Case, fetch_one, keys
from fullcount.cli import app
from fullcount.errors import CaseError
from fullcount.ingest import ingest_file
from fullcount.link.engine import SplinkEngine
from fullcount.link.stage import run_link_stage
from fullcount.normalize.stage import run_normalize_stage
from fullcount.synth import generate

PASSPHRASE = "correct horse battery staple"
NEW_PASSPHRASE = "a different passphrase"
ENCODINGS = ("utf-8", "utf-16-le", "cp1256")
# Shorter needles than this could turn up by chance in megabytes of ciphertext.
MIN_NEEDLE_BYTES = 8


def needles(people_csv: Path) -> set[bytes]:
    """Every name of the generated people, alone and as full names, in every encoding a
    case or its sources may use."""
    texts: set[str] = set()
    with open(people_csv, encoding="utf-8") as handle:
        for person in csv.DictReader(handle):
            for script in ("fa", "latin"):
                given, family = person[f"given_name_{script}"], person[f"family_name_{script}"]
                texts.update({given, family, f"{given} {family}"})
                if script == "latin":
                    texts.update({given.lower(), family.lower(), f"{given} {family}".lower()})
    found = set()
    for text in texts:
        for encoding in ENCODINGS:
            try:
                encoded = text.encode(encoding)
            except UnicodeEncodeError:
                continue
            if len(encoded) >= MIN_NEEDLE_BYTES:
                found.add(encoded)
    return found


def names_in(data: bytes, names: set[bytes]) -> set[bytes]:
    return {name for name in names if name in data}


@pytest.fixture(scope="module")
def encrypted_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An encrypted case with synthetic lists ingested, normalised and linked; and the
    generated lists."""
    root = tmp_path_factory.mktemp("encrypted")
    summary = generate(root / "lists", n=300, lists=3, seed=11)
    with Case.create(root / "case", encrypt=True, passphrase=PASSPHRASE) as case:
        for source in summary.sources:
            ingest_file(case, summary.out_dir / source.path, source=source.name)
        run_normalize_stage(case)
        run_link_stage(case)
    return root / "case", summary.out_dir


def test_encrypted_case_files_hold_no_names(encrypted_case: tuple[Path, Path]) -> None:
    case_dir, lists = encrypted_case
    names = needles(lists / "truth" / "people.csv")
    # The needles are right: the source lists (UTF-8, cp1256, xlsx) hold many of them.
    plain = b"".join((lists / name).read_bytes() for name in ("ngo_a.csv", "official_c.csv"))
    assert len(names_in(plain, names)) > 100
    files = [f for f in case_dir.rglob("*") if f.is_file()]
    assert {f.name for f in files} >= {DATABASE_FILE, keys.KEY_FILE}
    for path in files:
        if path.name == "fullcount.toml":
            continue  # settings only, written before any data
        assert names_in(path.read_bytes(), names) == set(), path
    with Case.open(case_dir, readonly=True, passphrase=PASSPHRASE) as case:
        assert case.encrypted
        records, entities = fetch_one(case.con,
            "SELECT (SELECT count(*) FROM current_records), "
            "(SELECT count(DISTINCT entity_id) FROM entity_records)")
        assert records > 300 and 0 < entities < records


def test_the_same_case_unencrypted_does_hold_names(tmp_path: Path,
                                                   encrypted_case: tuple[Path, Path]) -> None:
    """A control: the check above finds names when there are names to find."""
    _, lists = encrypted_case
    with Case.create(tmp_path / "plain") as case:
        ingest_file(case, lists / "official_c.csv", source="official_c")
    data = (tmp_path / "plain" / DATABASE_FILE).read_bytes()
    assert len(names_in(data, needles(lists / "truth" / "people.csv"))) > 20


def test_key_file_holds_no_key(encrypted_case: tuple[Path, Path]) -> None:
    case_dir, _ = encrypted_case
    derivation = keys.read_key_derivation(case_dir)
    assert derivation is not None and derivation.n >= 2**15
    text = (case_dir / keys.KEY_FILE).read_text()
    assert derivation.derive(PASSPHRASE) not in text and PASSPHRASE not in text


def test_wrong_passphrase_fails_clearly_and_changes_nothing(
        encrypted_case: tuple[Path, Path]) -> None:
    case_dir, _ = encrypted_case
    database = case_dir / DATABASE_FILE
    before = {f.name: (f.stat().st_mtime_ns, hashlib.sha256(f.read_bytes()).hexdigest())
              for f in case_dir.iterdir() if f.is_file()}
    for readonly in (False, True):
        with pytest.raises(CaseError, match=f"wrong passphrase for case {case_dir}"):
            Case.open(case_dir, readonly=readonly, passphrase="not the passphrase")
    after = {f.name: (f.stat().st_mtime_ns, hashlib.sha256(f.read_bytes()).hexdigest())
             for f in case_dir.iterdir() if f.is_file()}
    assert after == before
    assert not (case_dir / (DATABASE_FILE + ".wal")).exists()
    fd = os.open(case_dir / LOCK_FILE, os.O_RDWR)  # no lock left behind
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)
    with pytest.raises(duckdb.Error):  # and DuckDB itself cannot read it without the key
        duckdb.connect(str(database), read_only=True)


def test_no_passphrase_and_no_terminal_is_a_clear_error(
        encrypted_case: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    case_dir, _ = encrypted_case
    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)
    with pytest.raises(CaseError, match="is encrypted: set FULLCOUNT_KEY or run in a terminal"):
        Case.open(case_dir)


def test_temp_files_are_encrypted(tmp_path: Path) -> None:
    """DuckDB spills plaintext unless told otherwise: force a spill and watch it."""
    with Case.create(tmp_path / "case", encrypt=True, passphrase=PASSPHRASE) as case:
        assert case.con.execute("SELECT current_setting('temp_file_encryption')").fetchone() \
            == (True,)
        case.con.execute("SET memory_limit = '100MB'; SET threads = 2; "
                         "SET preserve_insertion_order = false")
        case.con.execute("CREATE TEMP TABLE spill AS SELECT 'Zahra Karimpour ' || i AS n "
                         "FROM range(3000000) r(i)")
        seen: dict[str, bool] = {}
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                for spilled in (tmp_path / "case").rglob("*.tmp"):
                    try:
                        seen[spilled.name] = seen.get(spilled.name, False) or (
                            b"Zahra Karimpour" in spilled.read_bytes())
                    except OSError:
                        pass
                time.sleep(0.005)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            case.con.execute("SELECT n FROM spill ORDER BY n DESC").fetchmany(1)
        finally:
            done.set()
            watcher.join()
    assert seen, "the query did not spill; lower the memory limit"
    assert not any(seen.values()), seen


def test_linkage_scratch_encrypts_its_spill(tmp_path: Path) -> None:
    with SplinkEngine("duckdb", workdir=tmp_path / "work", rules=[],
                      encrypt_temp=True) as engine:
        assert engine._con is not None
        assert engine._con.execute(
            "SELECT current_setting('temp_file_encryption')").fetchone() == (True,)
    with pytest.raises(Exception, match="unencrypted"):
        SplinkEngine("spark", workdir=tmp_path / "work", rules=[],
                     encrypt_temp=True).__enter__()


def test_cli_reads_the_passphrase_from_the_environment(tmp_path: Path) -> None:
    runner = CliRunner()
    case_dir = tmp_path / "case"
    made = runner.invoke(app, ["init", str(case_dir), "--encrypt"],
                         env={keys.PASSPHRASE_ENV: PASSPHRASE})
    assert made.exit_code == 0, made.output
    assert (case_dir / keys.KEY_FILE).exists()
    shown = runner.invoke(app, ["status", "--case", str(case_dir)],
                          env={keys.PASSPHRASE_ENV: PASSPHRASE})
    assert shown.exit_code == 0, shown.output
    assert "0 source(s)" in shown.output
    wrong = runner.invoke(app, ["status", "--case", str(case_dir)],
                          env={keys.PASSPHRASE_ENV: "not the passphrase"})
    assert wrong.exit_code != 0 and "wrong passphrase" in wrong.output
    missing = runner.invoke(app, ["status", "--case", str(case_dir)],
                            env={keys.PASSPHRASE_ENV: ""})
    assert missing.exit_code != 0 and "set FULLCOUNT_KEY" in missing.output
    again = runner.invoke(app, ["init", str(case_dir), "--encrypt"],
                          env={keys.PASSPHRASE_ENV: PASSPHRASE})
    assert again.exit_code != 0 and "already holds a case" in again.output


def test_cli_asks_for_the_passphrase_at_a_terminal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # init: new twice; status: once; rekey: the old one, then two new ones that differ
    typed = iter([PASSPHRASE, PASSPHRASE, PASSPHRASE, PASSPHRASE, NEW_PASSPHRASE, "typo"])
    monkeypatch.setattr(keys, "at_terminal", lambda: True)
    monkeypatch.setattr(keys.getpass, "getpass", lambda prompt: next(typed))
    runner = CliRunner()
    case_dir = tmp_path / "case"
    env = {keys.PASSPHRASE_ENV: "", keys.NEW_PASSPHRASE_ENV: ""}
    made = runner.invoke(app, ["init", str(case_dir), "--encrypt"], env=env)  # asked twice
    assert made.exit_code == 0, made.output
    shown = runner.invoke(app, ["status", "--case", str(case_dir)], env=env)
    assert shown.exit_code == 0, shown.output
    differ = runner.invoke(app, ["rekey", "--case", str(case_dir)], env=env)
    assert differ.exit_code != 0 and "the two passphrases differ" in differ.output
    with Case.open(case_dir, readonly=True, passphrase=PASSPHRASE):
        pass


def test_init_encrypt_refuses_an_existing_case(tmp_path: Path) -> None:
    Case.create(tmp_path / "case").close()
    result = CliRunner().invoke(app, ["init", str(tmp_path / "case"), "--encrypt"],
                                env={keys.PASSPHRASE_ENV: PASSPHRASE})
    assert result.exit_code != 0 and "already holds a case" in result.output
    assert not (tmp_path / "case" / keys.KEY_FILE).exists()


def counts(case: Case) -> dict[str, int]:
    return case._row_counts(fetch_one(case.con, "SELECT current_database()")[0])


def test_rekey(tmp_path: Path, encrypted_case: tuple[Path, Path]) -> None:
    case_dir = tmp_path / "case"
    shutil.copytree(encrypted_case[0], case_dir)
    with Case.open(case_dir, readonly=True, passphrase=PASSPHRASE) as case:
        before = counts(case)
    result = CliRunner().invoke(app, ["rekey", "--case", str(case_dir)], env={
        keys.PASSPHRASE_ENV: PASSPHRASE, keys.NEW_PASSPHRASE_ENV: NEW_PASSPHRASE})
    assert result.exit_code == 0, result.output
    with pytest.raises(CaseError, match="wrong passphrase"):
        Case.open(case_dir, passphrase=PASSPHRASE)
    with Case.open(case_dir, readonly=True, passphrase=NEW_PASSPHRASE) as case:
        after = counts(case)
        assert case.con.execute(
            "SELECT action FROM audit_log ORDER BY entry_id DESC LIMIT 1").fetchone() == ("rekey",)
    assert after.pop("audit_log") == before.pop("audit_log") + 1
    assert after == before
    assert sorted(f.name for f in case_dir.iterdir() if ".rekey" in f.name) == []


def test_rekey_interrupted_before_or_after_the_swap(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case_dir = tmp_path / "case"
    Case.create(case_dir, encrypt=True, passphrase=PASSPHRASE).close()

    def crash_at(name: str) -> None:
        real = os.replace

        def replace(src: str | Path, dst: str | Path) -> None:
            if Path(dst).name == name and str(src).endswith(keys.PENDING):
                raise KeyboardInterrupt  # as if killed here
            real(src, dst)

        monkeypatch.setattr(case_module.os, "replace", replace)
        case = Case.open(case_dir, passphrase=PASSPHRASE)
        with pytest.raises(KeyboardInterrupt):
            case.rekey(NEW_PASSPHRASE)
        monkeypatch.undo()
        if case.con is not None:
            case.close()
        case_module._unlock(case._lock_fd)  # the process would have died

    crash_at(DATABASE_FILE)  # before the swap: the old passphrase still opens it
    with Case.open(case_dir, passphrase=PASSPHRASE) as case:
        assert case.meta("case_id")
    assert not list(case_dir.glob("*.rekey*"))
    crash_at(keys.KEY_FILE)  # after it: the next open completes the rekey
    with Case.open(case_dir, passphrase=NEW_PASSPHRASE) as case:
        assert case.meta("case_id")
    assert not list(case_dir.glob("*.rekey*"))


def test_encrypt_an_existing_case(tmp_path: Path) -> None:
    case_dir = tmp_path / "case"
    Case.create(case_dir).close()
    result = CliRunner().invoke(app, ["encrypt", "--case", str(case_dir)],
                                env={keys.NEW_PASSPHRASE_ENV: PASSPHRASE})
    assert result.exit_code == 0, result.output
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(case_dir / DATABASE_FILE), read_only=True)
    with Case.open(case_dir, passphrase=PASSPHRASE) as case:
        assert case.encrypted
        assert [a for (a,) in case.con.execute(
            "SELECT action FROM audit_log ORDER BY entry_id").fetchall()] == ["init", "encrypt"]
