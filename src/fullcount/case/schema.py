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

_V4 = """
-- Linkage models: the Splink model (settings with trained m and u probabilities, as
-- Splink saves it), the threshold used, and the checks made on the trained weights.
CREATE TABLE link_models (
    model_id         INTEGER PRIMARY KEY,
    created_at       TIMESTAMP NOT NULL,
    engine           VARCHAR NOT NULL,
    splink_model     JSON NOT NULL,
    threshold        DOUBLE NOT NULL,
    threshold_origin VARCHAR NOT NULL,   -- 'settings' or 'model' (best expected F1)
    checks           JSON NOT NULL,
    training         JSON NOT NULL,
    software_version VARCHAR NOT NULL
);

-- Candidate pairs of records as scored by a model (record_id_l < record_id_r). Pairs
-- below [link] keep_pairs_above are not kept, unless vetoed (clustering keeps vetoed
-- pairs apart even when other links would chain them together). `gammas` and `weights` hold, per
-- comparison of the model in order, the level the pair fell in (Splink's gamma) and its
-- match weight in bits (term-frequency adjustment included): enough to explain the pair
-- without scoring it again.
CREATE TABLE pairs (
    record_id_l       BIGINT NOT NULL,
    record_id_r       BIGINT NOT NULL,
    model_id          INTEGER NOT NULL,
    match_weight      DOUBLE NOT NULL,
    match_probability DOUBLE NOT NULL,
    gammas            TINYINT[] NOT NULL,
    weights           DOUBLE[] NOT NULL,
    veto              BOOLEAN NOT NULL   -- a disagreement that rules out a match
);

-- Human decisions on pairs (record_id_l < record_id_r): 'match' (must-link),
-- 'non_match' (cannot-link) or 'unsure'. The latest decision on a pair that is not
-- withdrawn is the one that counts; undo withdraws, nothing is deleted.
CREATE TABLE decisions (
    decision_id   BIGINT PRIMARY KEY,
    record_id_l   BIGINT NOT NULL,
    record_id_r   BIGINT NOT NULL,
    decision      VARCHAR NOT NULL,
    reviewer      VARCHAR NOT NULL,
    decided_at    TIMESTAMP NOT NULL,
    note          VARCHAR,
    withdrawn_at  TIMESTAMP
);

-- The register: one row per person, with the best-known value of each field among
-- their records (entity_records lists the records).
CREATE TABLE entities (
    entity_id          BIGINT PRIMARY KEY,
    n_records          INTEGER NOT NULL,
    sources            VARCHAR[] NOT NULL,
    name_persian       VARCHAR,
    name_latin         VARCHAR,
    name_key           VARCHAR,
    father_key         VARCHAR,
    sex_code           VARCHAR,
    age_min            INTEGER,
    age_max            INTEGER,
    date_iso           DATE,
    place_canonical    VARCHAR,
    province_canonical VARCHAR,
    min_link_probability DOUBLE,   -- weakest link inside the entity; NULL for one record
    model_id           INTEGER
);
"""

_V5 = """
-- The claims register: numbers other people publish, set against the case's evidence
-- (fullcount.claims). One row per document claims were read from, with the text read
-- from it: the claims' offsets count characters in that text.
CREATE TABLE claim_documents (
    document_id  INTEGER PRIMARY KEY,
    file_name    VARCHAR NOT NULL,
    file_path    VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL UNIQUE,
    size_bytes   BIGINT NOT NULL,
    format       VARCHAR NOT NULL,   -- text, html, pdf or docx
    characters   BIGINT NOT NULL,    -- length of `text`
    text         VARCHAR NOT NULL,
    origin       VARCHAR NOT NULL,   -- the extractor and its version
    added_at     TIMESTAMP NOT NULL,
    added_by     VARCHAR NOT NULL
);

-- One row per (claimant, quantity, category, scope); CLAIMS.md section 2. A claim read
-- from a document keeps its sentence verbatim with offsets into the document's text; one
-- added by hand has no document. value_point is the number as written (NULL for a range
-- or a vague term); value_low and value_high are the interval its bound implies
-- (value_high NULL: no upper end), approximate bounds widened by approx_tolerance.
-- status is proposed, accepted or rejected; every change is appended to `history`.
CREATE TABLE claims (
    claim_id          INTEGER PRIMARY KEY,
    document_id       INTEGER,
    quote             VARCHAR NOT NULL,
    quote_start       BIGINT,
    quote_end         BIGINT,
    quote_translation VARCHAR,
    quantity_text     VARCHAR,
    quantity_start    BIGINT,
    quantity_end      BIGINT,
    language          VARCHAR,
    value_point       DOUBLE,
    value_low         DOUBLE NOT NULL,
    value_high        DOUBLE,
    bound_type        VARCHAR NOT NULL,
    approx_tolerance  DOUBLE NOT NULL,
    vague_term        VARCHAR,
    category          VARCHAR NOT NULL,
    unit              VARCHAR NOT NULL,  -- persons, events or cases
    subgroup          VARCHAR,
    parent_claim_id   INTEGER,           -- a subset ("including 44 children") of this claim
    event             VARCHAR,
    place             VARCHAR,
    period            VARCHAR,
    period_start      DATE,
    period_end        DATE,
    cumulative        BOOLEAN NOT NULL,
    claimant          VARCHAR,
    scope             VARCHAR,           -- 'all' or a stratum value; NULL: not mapped
    status            VARCHAR NOT NULL,
    origin            VARCHAR NOT NULL,  -- the extractor and its version, or 'manual'
    reviewer          VARCHAR,
    reviewed_at       TIMESTAMP,
    note              VARCHAR,
    created_at        TIMESTAMP NOT NULL,
    history           JSON NOT NULL
);
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

CREATE OR REPLACE VIEW current_decisions AS
    SELECT * EXCLUDE (rank) FROM (
        SELECT *, row_number() OVER (PARTITION BY record_id_l, record_id_r
                                     ORDER BY decided_at DESC, decision_id DESC) AS rank
        FROM decisions WHERE withdrawn_at IS NULL
    ) WHERE rank = 1;
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5)
SCHEMA_VERSION = len(MIGRATIONS)
