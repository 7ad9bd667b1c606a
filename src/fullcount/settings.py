"""A case's settings: ``fullcount.toml``, validated with pydantic when loaded.

The file is the one source of truth for a case's behaviour: its sources and their
column mappings, its strata, its seed. Commands that change settings (ingest recording
a mapping, for one) edit the file in place and keep the user's comments.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fullcount.errors import SettingsError

SETTINGS_FILE = "fullcount.toml"
SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")

Encoding = str
FileFormat = Literal["auto", "csv", "tsv", "xlsx", "json", "jsonl"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseInfo(_Strict):
    name: str = ""
    description: str = ""
    seed: int = Field(1, description="seed for every random step unless a stage sets its own")


class IngestSettings(_Strict):
    max_cell_chars: int = Field(
        65_536, ge=256, description="a cell longer than this quarantines its row"
    )
    batch_rows: int = Field(50_000, ge=1_000, description="rows written to the case at a time")


class SourceSettings(_Strict):
    description: str = ""
    encoding: Encoding = "auto"
    format: FileFormat = "auto"
    sheet: str = ""
    mapping: dict[str, str] = Field(default_factory=dict)

    @field_validator("mapping")
    @classmethod
    def _known_fields(cls, mapping: dict[str, str]) -> dict[str, str]:
        from fullcount.ingest.fields import FIELD_NAMES  # ingest imports settings

        for field in mapping:
            if field not in FIELD_NAMES:
                raise ValueError(
                    f"'{field}' is not a record field; allowed: {', '.join(FIELD_NAMES)}"
                )
        return mapping


class EngineSettings(_Strict):
    memory_limit: str = Field(
        "1GB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="most memory DuckDB may use for this case (caches and queries; it "
        "spills to disk beyond it), e.g. 512MB, 4GB",
    )
    threads: int = Field(0, ge=0, description="threads DuckDB may use; 0 means all cores")


class NormalizeSettings(_Strict):
    gazetteer: str = Field(
        "", description="a CSV of extra places (same columns as the built-in gazetteer), "
        "relative to the case folder; empty for the built-in one only")


class LinkSettings(_Strict):
    engine: Literal["duckdb", "spark"] = Field(
        "duckdb", description="where linkage runs: duckdb (this machine) or spark")
    spark_master: str = Field(
        "local[*]", description="Spark master URL for engine = spark, e.g. local[*] or "
        "spark://host:7077")
    threshold: float = Field(
        0.0, ge=0.0, lt=1.0, description="match probability at or above which two records "
        "are the same person; 0 lets the trained model choose (best expected F1)")
    keep_pairs_above: float = Field(
        0.001, ge=0.0, lt=1.0, description="candidate pairs below this match probability "
        "are not kept in the case")
    uncertain_low: float = Field(
        0.1, gt=0.0, lt=1.0, description="pairs between uncertain_low and uncertain_high "
        "are uncertain: shown for review")
    uncertain_high: float = Field(0.9, gt=0.0, lt=1.0)
    max_entity_records: int = Field(
        0, ge=0, description="more records than this in one entity is a chain of "
        "namesakes, not a person: such a cluster is split at stricter thresholds; 0 means "
        "twice the number of sources plus 4 (at least 10): a person is on each list at "
        "most once, but for a few duplicates")
    u_sample_pairs: int = Field(
        2_000_000, ge=10_000, description="random record pairs used to estimate how often "
        "non-matches agree by chance (u probabilities)")


class StrataSettings(_Strict):
    by: list[str] = Field(
        default_factory=list, description="record fields whose values define strata"
    )


class ExportSettings(_Strict):
    date_precision: Literal["day", "month", "year"] = Field(
        "month", description="dates in pseudonymised exports are cut to this precision")
    place: Literal["place", "province", "none"] = Field(
        "province", description="places in pseudonymised exports: the town (place), only "
        "its province, or none")


class Settings(_Strict):
    case: CaseInfo = Field(default_factory=CaseInfo)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    normalize: NormalizeSettings = Field(default_factory=NormalizeSettings)
    strata: StrataSettings = Field(default_factory=StrataSettings)
    link: LinkSettings = Field(default_factory=LinkSettings)
    export: ExportSettings = Field(default_factory=ExportSettings)
    sources: dict[str, SourceSettings] = Field(default_factory=dict)

    @field_validator("sources")
    @classmethod
    def _source_names(cls, sources: dict[str, SourceSettings]) -> dict[str, SourceSettings]:
        for name in sources:
            check_source_name(name)
        return sources


def check_source_name(name: str) -> str:
    """Return ``name`` if it can name a source, else raise a ``SettingsError``."""
    if not SOURCE_NAME.match(name):
        raise SettingsError(
            f"'{name}' cannot name a source: use letters, digits, '_' or '-' "
            "(at most 64, starting with a letter or digit), e.g. ngo_a"
        )
    return name


def _describe(error: ValidationError, path: Path) -> SettingsError:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "literal_error":
            message = f"{message} (got {item['input']!r})"
        lines.append(f"  {key}: {message}")
    return SettingsError(
        f"{path} is not valid:\n" + "\n".join(lines),
        hint="Fix the key(s) above; `fullcount init --help` describes the file.",
    )


def load_settings(case_dir: Path) -> Settings:
    """Read and validate ``case_dir/fullcount.toml``."""
    path = case_dir / SETTINGS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SettingsError(
            f"{path} is missing", hint="Is this a case folder? Create one with `fullcount init DIR`."
        ) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from exc
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise _describe(exc, path) from exc


SETTINGS_TEMPLATE = """\
# fullcount case settings. Commands such as `fullcount ingest` update this file;
# you may also edit it by hand (it is checked every time the case is opened).

[case]
name = {name}
description = ""
# Seed for every random step (synthetic data, sampling, estimation) unless a stage
# sets its own, so that every number in a report can be reproduced.
seed = 1

[ingest]
# A cell longer than this many characters quarantines its row.
max_cell_chars = 65536

[engine]
# Most memory DuckDB may use for this case (it spills to disk beyond it), and how many
# threads (0 = all cores). Raise memory_limit for large cases on a large machine.
memory_limit = "1GB"
threads = 0

[normalize]
# A CSV of your own places (same columns as fullcount's gazetteer), to extend the
# built-in gazetteer of Iranian provinces and towns; path relative to this folder.
gazetteer = ""

[link]
# Linkage (which records are the same person). engine = "duckdb" runs on this machine;
# "spark" runs the same model on Spark (spark_master, e.g. "local[*]").
# threshold: match probability from which two records are one person; 0 lets the
# trained model choose. Pairs between uncertain_low and uncertain_high are for review.
engine = "duckdb"
threshold = 0.0
uncertain_low = 0.1
uncertain_high = 0.9

[strata]
# Record fields whose values split the case into strata for estimation,
# e.g. by = ["province"].
by = []

[export]
# Pseudonymised exports (`fullcount export ... --pseudonymise`), for sharing with someone
# who must not see names: names become keyed hashes, dates are cut to date_precision
# ("day", "month" or "year") and places to place ("place", "province" or "none").
date_precision = "month"
place = "province"

# One table per source (a list from one organisation). `mapping` says which column of
# the source's files holds each record field; `fullcount ingest --suggest` proposes one.
# Fields: {fields}
#
# [sources.ngo_a]
# description = "NGO A's list, export of 2024-05-01"
# encoding = "auto"     # or utf-8, utf-8-sig, utf-16, windows-1256 ...
# format = "auto"       # or csv, tsv, xlsx, json, jsonl
# [sources.ngo_a.mapping]
# full_name = "نام و نام خانوادگی"
# father_name = "نام پدر"
# age = "سن"
"""


def write_new_settings(case_dir: Path, name: str) -> None:
    """Write the commented settings file of a new case."""
    from fullcount.ingest.fields import FIELD_NAMES

    text = SETTINGS_TEMPLATE.format(name=tomlkit.string(name).as_string(), fields=", ".join(FIELD_NAMES))
    (case_dir / SETTINGS_FILE).write_text(text, encoding="utf-8")


def record_source(
    case_dir: Path,
    source: str,
    *,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    file_format: str | None = None,
) -> None:
    """Add or update ``[sources.<source>]`` in the case's settings, keeping comments.

    Only keys passed are written; the result is validated before it replaces the file.
    """
    path = case_dir / SETTINGS_FILE
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    sources = document.get("sources")
    if sources is None:
        sources = tomlkit.table(is_super_table=True)
        document["sources"] = sources
    entry = sources.get(source)
    if entry is None:
        entry = tomlkit.table()
        sources[source] = entry
    if encoding is not None:
        entry["encoding"] = encoding
    if file_format is not None:
        entry["format"] = file_format
    if mapping is not None:
        table = tomlkit.table()
        for field, column in mapping.items():
            table[field] = column
        entry["mapping"] = table
    text = tomlkit.dumps(document)
    try:
        Settings.model_validate(tomllib.loads(text))
    except ValidationError as exc:
        raise _describe(exc, path) from exc
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
