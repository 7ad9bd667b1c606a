"""How good is the register? Compared with a known truth (``fullcount synth``'s
``truth/records.csv``: one row per source row with the person it records).

Pairwise figures count pairs of records: a true pair is two records of one person; a
predicted pair is two records in one entity. Cluster figures count entities that are
exactly one person's records. The capture-history table is computed both ways: from the
register and from the truth.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fullcount.errors import FullcountError

if TYPE_CHECKING:
    from fullcount.case import Case


@dataclass
class Evaluation:
    records: int                  # current records matched to the truth
    records_without_truth: int    # current records the truth does not know
    true_people: int              # people with at least one record
    entities: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    candidate_pairs_found: int    # true pairs among the candidate pairs kept in the case
    exact_entities: int           # entities that are exactly one person's records
    lists: list[str] = field(default_factory=list)
    histories: list[dict[str, Any]] = field(default_factory=list)  # pattern, true, linked

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def blocking_recall(self) -> float:
        return self.candidate_pairs_found / self.true_pairs if self.true_pairs else 1.0

    @property
    def cluster_precision(self) -> float:
        return self.exact_entities / self.entities if self.entities else 1.0

    @property
    def cluster_recall(self) -> float:
        return self.exact_entities / self.true_people if self.true_people else 1.0

    @property
    def cluster_f1(self) -> float:
        p, r = self.cluster_precision, self.cluster_recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def entity_error(self) -> float:
        """Relative error of the entity count: (entities - true people) / true people."""
        return (self.entities - self.true_people) / self.true_people if self.true_people \
            else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("precision", "recall", "f1", "blocking_recall", "cluster_precision",
                     "cluster_recall", "cluster_f1", "entity_error"):
            data[name] = getattr(self, name)
        return data


def evaluate_register(case: Case, truth_dir: Path) -> Evaluation:
    """Compare the case's register with the truth in ``truth_dir`` (the folder holding
    ``records.csv``, or the synth output folder holding ``truth/``)."""
    from fullcount.case import fetch_one

    path = truth_dir / "records.csv"
    if not path.exists() and (truth_dir / "truth" / "records.csv").exists():
        path = truth_dir / "truth" / "records.csv"
    if not path.exists():
        raise FullcountError(f"no truth file in {truth_dir}",
                             hint="Point --truth at the truth/ folder `fullcount synth` wrote.")
    con = case.con
    if fetch_one(con, "SELECT count(*) FROM entity_records")[0] == 0:
        raise FullcountError("the case has no register yet",
                             hint="Run `fullcount link` first.")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE eval_truth AS
        SELECT r.record_id, t.person_id, e.entity_id, r.source
        FROM current_records r
        JOIN read_csv(?, all_varchar = true, header = true) t
          ON t.source = r.source AND t.row_number::BIGINT = r.row_number
        LEFT JOIN entity_records e USING (record_id)
        WHERE t.person_id IS NOT NULL AND t.person_id <> ''
    """, [str(path)])
    try:
        total = fetch_one(con, "SELECT count(*) FROM current_records")[0]
        matched, people, entities = fetch_one(con, """
            SELECT count(*), count(DISTINCT person_id), count(DISTINCT entity_id)
            FROM eval_truth""")
        true_pairs = _pair_count(case, "person_id")
        predicted = _pair_count(case, "entity_id")
        correct = _pair_count(case, "person_id, entity_id")
        found = fetch_one(con, """
            SELECT count(*) FROM pairs p
            JOIN eval_truth a ON a.record_id = p.record_id_l
            JOIN eval_truth b ON b.record_id = p.record_id_r
            WHERE a.person_id = b.person_id""")[0]
        exact = fetch_one(con, """
            WITH e AS (SELECT entity_id, min(person_id) AS p, count(DISTINCT person_id) AS k,
                              count(*) AS n FROM eval_truth GROUP BY entity_id),
                 t AS (SELECT person_id, count(*) AS n FROM eval_truth GROUP BY person_id)
            SELECT count(*) FROM e JOIN t ON t.person_id = e.p AND t.n = e.n WHERE e.k = 1
        """)[0]
        lists = [r[0] for r in con.execute(
            "SELECT DISTINCT source FROM current_records ORDER BY source").fetchall()]
        histories = _histories(case, lists)
    finally:
        con.execute("DROP TABLE IF EXISTS eval_truth")
    return Evaluation(
        records=matched, records_without_truth=total - matched, true_people=people,
        entities=entities, true_pairs=true_pairs, predicted_pairs=predicted,
        correct_pairs=correct, candidate_pairs_found=found, exact_entities=exact,
        lists=lists, histories=histories)


def _pair_count(case: Case, by: str) -> int:
    from fullcount.case import fetch_one

    return int(fetch_one(case.con, f"""
        SELECT coalesce(sum(n * (n - 1) / 2), 0)::BIGINT
        FROM (SELECT count(*) AS n FROM eval_truth GROUP BY {by})""")[0])


def _histories(case: Case, lists: list[str]) -> list[dict[str, Any]]:
    """People per capture pattern ("1010": on lists 1 and 3), true and as linked."""
    pattern = " || ".join(f"list_contains(s, '{name}')::INTEGER::VARCHAR" for name in lists)
    rows = case.con.execute(f"""
        WITH t AS (SELECT {pattern} AS pattern FROM (
                       SELECT list(DISTINCT source) AS s FROM eval_truth GROUP BY person_id)),
             l AS (SELECT {pattern} AS pattern FROM (
                       SELECT list(DISTINCT source) AS s FROM eval_truth GROUP BY entity_id)),
             tc AS (SELECT pattern, count(*) AS n FROM t GROUP BY pattern),
             lc AS (SELECT pattern, count(*) AS n FROM l GROUP BY pattern)
        SELECT pattern, coalesce(tc.n, 0), coalesce(lc.n, 0)
        FROM tc FULL JOIN lc USING (pattern) ORDER BY pattern DESC
    """).fetchall()
    return [{"pattern": p, "true": int(t), "linked": int(n)} for p, t, n in rows]
