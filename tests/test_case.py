"""The case: creation, reopening, schema versions, settings validation, audit chain."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from fullcount.case import DATABASE_FILE, GENESIS_HASH, Case, entry_hash
from fullcount.case.schema import SCHEMA_VERSION
from fullcount.errors import CaseError, SettingsError
from fullcount.settings import SETTINGS_FILE, load_settings, record_source


def test_create_makes_settings_and_database(tmp_path: Path) -> None:
    with Case.create(tmp_path / "c", name="Aban 1398") as case:
        assert case.schema_version == SCHEMA_VERSION
        assert case.settings.case.name == "Aban 1398"
        tables = {r[0] for r in case.con.execute("SHOW TABLES").fetchall()}
        assert {"sources", "records", "quarantine", "audit_log", "meta"} <= tables
        assert case.meta("case_id")
    assert (tmp_path / "c" / SETTINGS_FILE).exists()
    assert (tmp_path / "c" / DATABASE_FILE).exists()


def test_create_refuses_an_existing_case(tmp_path: Path) -> None:
    Case.create(tmp_path / "c").close()
    with pytest.raises(CaseError, match="already holds a case"):
        Case.create(tmp_path / "c")


def test_open_a_folder_that_is_not_a_case(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="not a fullcount case") as info:
        Case.open(tmp_path)
    assert "fullcount init" in (info.value.hint or "")


def test_reopen_keeps_tables(tmp_path: Path) -> None:
    Case.create(tmp_path / "c").close()
    with Case.open(tmp_path / "c", readonly=True) as case:
        assert case.con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 1


def test_readonly_case_refuses_writes(tmp_path: Path) -> None:
    Case.create(tmp_path / "c").close()
    with Case.open(tmp_path / "c", readonly=True) as case:
        with pytest.raises(CaseError, match="read-only"):
            case.audit("x", {})


def test_newer_schema_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    Case.create(tmp_path / "c").close()
    con = duckdb.connect(str(tmp_path / "c" / DATABASE_FILE))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                [str(SCHEMA_VERSION + 1)])
    con.close()
    before = (tmp_path / "c" / DATABASE_FILE).read_bytes()
    with pytest.raises(CaseError, match="newer fullcount") as info:
        Case.open(tmp_path / "c")
    assert "Upgrade fullcount" in (info.value.hint or "")
    assert (tmp_path / "c" / DATABASE_FILE).read_bytes() == before


def test_older_schema_is_upgraded_and_audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    import fullcount.case as case_module
    import fullcount.case.schema as schema

    Case.create(tmp_path / "c").close()
    v2 = "ALTER TABLE record_rows ADD COLUMN test_only_column VARCHAR;"
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, v2))
    monkeypatch.setattr(case_module, "MIGRATIONS", (*schema.MIGRATIONS,))
    monkeypatch.setattr(case_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Case.open(tmp_path / "c", readonly=True) as case:  # a reader triggers it too
        columns = {r[0] for r in case.con.execute("DESCRIBE records").fetchall()}
        assert "test_only_column" in columns
        assert case.schema_version == SCHEMA_VERSION + 1
        actions = [r[0] for r in case.con.execute(
            "SELECT action FROM audit_log ORDER BY entry_id").fetchall()]
    assert actions == ["init", "migrate"]


def test_audit_entries_chain_their_hashes(tmp_path: Path) -> None:
    with Case.create(tmp_path / "c") as case:
        with case.transaction():
            case.audit("ingest", {"file": "a.csv", "rows": 3})
        rows = case.con.execute(
            "SELECT entry_id, logged_at, actor, action, details, prev_hash, hash "
            "FROM audit_log ORDER BY entry_id").fetchall()
    assert rows[0][5] == GENESIS_HASH
    for previous, entry in zip(rows, rows[1:]):
        assert entry[5] == previous[6]
    for entry_id, at, actor, action, details, prev_hash, digest in rows:
        assert digest != prev_hash
        assert len(digest) == 64
    # Recompute the second hash from its fields: editing any of them would change it.
    entry = rows[1]
    assert json.loads(entry[4]) == {"file": "a.csv", "rows": 3}


def test_entry_hash_depends_on_every_field() -> None:
    base = ("0" * 64, 1, "2026-01-01T00:00:00", "ana", "ingest", "{}")
    digest = entry_hash(*base)
    for i in range(len(base)):
        changed = list(base)
        changed[i] = changed[i] + 1 if isinstance(changed[i], int) else changed[i] + "x"
        assert entry_hash(*changed) != digest


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    with Case.create(tmp_path / "c") as case:
        with pytest.raises(RuntimeError):
            with case.transaction():
                case.audit("something", {})
                raise RuntimeError("boom")
        assert case.con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 1


def test_invalid_settings_name_the_key(tmp_path: Path) -> None:
    Case.create(tmp_path / "c").close()
    path = tmp_path / "c" / SETTINGS_FILE
    path.write_text(path.read_text() + '\n[sources.ngo_a]\nformat = "pdf"\n'
                    '[sources.ngo_a.mapping]\nfullname = "Name"\n', encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load_settings(tmp_path / "c")
    message = info.value.message
    assert "sources.ngo_a.format" in message and "'csv'" in message
    assert "sources.ngo_a.mapping" in message and "full_name" in message


def test_unknown_settings_key_is_reported(tmp_path: Path) -> None:
    Case.create(tmp_path / "c").close()
    path = tmp_path / "c" / SETTINGS_FILE
    path.write_text(path.read_text().replace("[ingest]", "[ingest]\nmax_cel_chars = 5"),
                    encoding="utf-8")
    with pytest.raises(SettingsError, match="ingest.max_cel_chars: unknown key"):
        Case.open(tmp_path / "c")


def test_broken_toml_is_reported(tmp_path: Path) -> None:
    Case.create(tmp_path / "c").close()
    (tmp_path / "c" / SETTINGS_FILE).write_text("[case\nname=", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid TOML"):
        Case.open(tmp_path / "c")


def test_record_source_keeps_comments(tmp_path: Path) -> None:
    Case.create(tmp_path / "c").close()
    record_source(tmp_path / "c", "ngo_a", mapping={"full_name": "نام و نام خانوادگی"})
    text = (tmp_path / "c" / SETTINGS_FILE).read_text(encoding="utf-8")
    assert "# Seed for every random step" in text
    settings = load_settings(tmp_path / "c")
    assert settings.sources["ngo_a"].mapping == {"full_name": "نام و نام خانوادگی"}


def test_record_source_validates_before_writing(tmp_path: Path) -> None:
    Case.create(tmp_path / "c").close()
    before = (tmp_path / "c" / SETTINGS_FILE).read_text(encoding="utf-8")
    with pytest.raises(SettingsError):
        record_source(tmp_path / "c", "ngo_a", mapping={"nom": "x"})
    assert (tmp_path / "c" / SETTINGS_FILE).read_text(encoding="utf-8") == before


def test_unfinished_rows_are_invisible_and_discarded_by_the_next_writer(tmp_path: Path
                                                                       ) -> None:
    Case.create(tmp_path / "c").close()
    con = duckdb.connect(str(tmp_path / "c" / DATABASE_FILE))
    # Rows of file 7, whose ingest never registered it in `sources` (a crash).
    con.execute("INSERT INTO record_rows (record_id, file_id, source, row_number, raw, flags) "
                "VALUES (1, 7, 'ngo_a', 1, '{}', []), (2, 7, 'ngo_a', 2, '{}', [])")
    con.execute("INSERT INTO quarantine_rows VALUES (1, 7, 'ngo_a', 3, 4, 'x', 'ragged', 'r')")
    con.close()
    with Case.open(tmp_path / "c", readonly=True) as case:
        assert case.con.execute("SELECT count(*) FROM records").fetchone()[0] == 0
        assert case.con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0
        assert case.con.execute("SELECT count(*) FROM current_records").fetchone()[0] == 0
    with Case.open(tmp_path / "c") as case:
        assert case.con.execute("SELECT count(*) FROM record_rows").fetchone()[0] == 0
        assert case.con.execute("SELECT count(*) FROM quarantine_rows").fetchone()[0] == 0
