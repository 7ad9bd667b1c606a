"""The case database's schema, as numbered migrations.

``MIGRATIONS[i]`` takes a case from schema version ``i`` to ``i + 1``. A case records its
version in ``meta``; opening an older case applies the missing migrations in one
transaction, and opening a case made by a newer fullcount is refused.
Later stages add their tables and columns here as new migrations, never by editing an
old one; ``VIEWS`` is applied after every migration.
"""

from __future__ import annotations

_V1 = """
CREATE TABLE meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- One row per ingested file version: the chain of custody.
CREATE TABLE sources (
    file_id        INTEGER PRIMARY KEY,
    source         VARCHAR NOT NULL,
    version        INTEGER NOT NULL,
    file_name      VARCHAR NOT NULL,
    file_path      VARCHAR NOT NULL,
    sha256         VARCHAR NOT NULL,
    size_bytes     BIGINT NOT NULL,
    format         VARCHAR NOT NULL,
    encoding       VARCHAR,
    header         JSON NOT NULL,
    mapping        JSON NOT NULL,
    mapping_origin VARCHAR NOT NULL,
    rows_read      BIGINT NOT NULL,
    records        BIGINT NOT NULL,
    quarantined    BIGINT NOT NULL,
    blank_skipped  BIGINT NOT NULL,
    ingested_at    TIMESTAMP NOT NULL,
    ingested_by    VARCHAR NOT NULL,
    superseded_by  INTEGER,
    UNIQUE (source, file_name, version)
);

-- One row per accepted input row. Mapped fields are trimmed, empty -> NULL; `raw` keeps
-- the row exactly as read. Normalised columns are added by the normalize stage.
-- Rows are written in batches, each committed on its own so that memory stays flat, and
-- become visible (through the views below) only when their file's `sources` row is
-- committed in one final transaction. Rows of a file with no `sources` row belong to an
-- ingest that was interrupted; the next writer deletes them.
CREATE TABLE record_rows (
    record_id      BIGINT NOT NULL,  -- unique by construction; no index (bulk loads)
    file_id        INTEGER NOT NULL,
    source         VARCHAR NOT NULL,
    row_number     BIGINT NOT NULL,
    line_number    BIGINT,
    source_row_id  VARCHAR,
    full_name      VARCHAR,
    given_name     VARCHAR,
    family_name    VARCHAR,
    father_name    VARCHAR,
    sex            VARCHAR,
    age            VARCHAR,
    age_min        INTEGER,
    age_max        INTEGER,
    date_of_death  VARCHAR,
    place          VARCHAR,
    province       VARCHAR,
    notes          VARCHAR,
    extra          JSON,
    raw            JSON NOT NULL,
    flags          VARCHAR[] NOT NULL
);

-- One row per input row that could not become a record, with its raw text and why.
CREATE TABLE quarantine_rows (
    quarantine_id  BIGINT NOT NULL,  -- unique by construction
    file_id        INTEGER NOT NULL,
    source         VARCHAR NOT NULL,
    row_number     BIGINT NOT NULL,
    line_number    BIGINT,
    raw_text       VARCHAR NOT NULL,
    reason_code    VARCHAR NOT NULL,
    reason         VARCHAR NOT NULL
);

-- Append-only log of every stage run; each entry's hash chains to the previous one.
-- Timestamps in the case are UTC.
CREATE TABLE audit_log (
    entry_id   BIGINT PRIMARY KEY,
    logged_at  TIMESTAMP NOT NULL,
    actor      VARCHAR NOT NULL,
    action     VARCHAR NOT NULL,
    details    JSON NOT NULL,
    prev_hash  VARCHAR NOT NULL,
    hash       VARCHAR NOT NULL
);

"""

_V2 = """
-- The register: which records are the same person. Written by linkage (each entity lists
-- its source records); read by estimation.
CREATE TABLE entity_records (
    entity_id  BIGINT NOT NULL,
    record_id  BIGINT NOT NULL
);

-- Every estimate made, with what is needed to reproduce it.
CREATE TABLE estimates (
    estimate_id      BIGINT NOT NULL,
    run_id           VARCHAR NOT NULL,
    method           VARCHAR NOT NULL,
    stratum          VARCHAR,
    point            DOUBLE NOT NULL,
    lower            DOUBLE NOT NULL,
    upper            DOUBLE NOT NULL,
    level            DOUBLE NOT NULL,
    n_observed       BIGINT NOT NULL,
    settings         JSON NOT NULL,
    seed             BIGINT,
    data_version     VARCHAR NOT NULL,
    software_version VARCHAR NOT NULL,
    diagnostics      JSON NOT NULL,
    warnings         JSON NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
"""

_V3 = """
-- Normalised columns, derived from the mapped fields by the normalize stage (the fields
-- themselves and `raw` are never changed). normalize_version says which rules made them.
ALTER TABLE record_rows ADD COLUMN name_key VARCHAR;
ALTER TABLE record_rows ADD COLUMN name_latin VARCHAR;
ALTER TABLE record_rows ADD COLUMN given_key VARCHAR;
ALTER TABLE record_rows ADD COLUMN family_key VARCHAR;
ALTER TABLE record_rows ADD COLUMN father_key VARCHAR;
ALTER TABLE record_rows ADD COLUMN name_titles VARCHAR[];
ALTER TABLE record_rows ADD COLUMN name_swapped BOOLEAN;
ALTER TABLE record_rows ADD COLUMN sex_code VARCHAR;
ALTER TABLE record_rows ADD COLUMN date_iso DATE;
ALTER TABLE record_rows ADD COLUMN date_end DATE;
ALTER TABLE record_rows ADD COLUMN date_precision VARCHAR;
ALTER TABLE record_rows ADD COLUMN date_calendar VARCHAR;
ALTER TABLE record_rows ADD COLUMN date_reason VARCHAR;
ALTER TABLE record_rows ADD COLUMN place_canonical VARCHAR;
ALTER TABLE record_rows ADD COLUMN province_canonical VARCHAR;
ALTER TABLE record_rows ADD COLUMN normalize_version INTEGER;
"""

# The views users and later stages read. DuckDB fixes a view's columns when it is made,
# so they are made again after every migration (a migration that adds a column to
# `record_rows` needs no view changes of its own).
VIEWS = """
CREATE OR REPLACE VIEW records AS
    SELECT * FROM record_rows WHERE file_id IN (SELECT file_id FROM sources);

CREATE OR REPLACE VIEW quarantine AS
    SELECT * FROM quarantine_rows WHERE file_id IN (SELECT file_id FROM sources);

CREATE OR REPLACE VIEW current_sources AS
    SELECT * FROM sources WHERE superseded_by IS NULL;

CREATE OR REPLACE VIEW current_records AS
    SELECT * FROM record_rows
    WHERE file_id IN (SELECT file_id FROM sources WHERE superseded_by IS NULL);
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3)
SCHEMA_VERSION = len(MIGRATIONS)
