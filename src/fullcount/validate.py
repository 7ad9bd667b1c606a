"""Validation: does the whole pipeline recover a known total, and do its intervals cover it?

Each run generates synthetic lists with a known population (``fullcount.synth``), takes
them through the pipeline exactly as an analyst would (a new case, ingest every list,
normalise, link, estimate with the methods and linkage draws `fullcount estimate` uses by
default), and reads off the recommended total. The same methods and recommendation rule
are also run on the *true* capture histories (who each list really recorded), which
separates what linkage errors cost from what the estimators themselves get wrong.

Per scenario, over R replicates, for three versions of the recommended total:

- **with linkage uncertainty**: the interval over drawn linkages (the one to report);
- **register only**: the interval that treats the register of people as certain;
- **true linkage**: the estimate on the true capture histories;

it reports the relative bias (mean of N̂/N − 1), the relative RMSE (root mean square of
N̂/N − 1), the coverage of the true N by the 95% intervals, with their Monte Carlo
standard errors (Morris, White & Crowther 2019), and how often each method was
recommended. With R replicates the coverage is known to about ±√(0.05·0.95/R): 20
replicates tell 95% from 80%, not 95% from 90%.

The scenario grid (``SCENARIOS``) changes one factor at a time around a realistic
baseline (N = 2,000 people, 4 lists, noise 1, heterogeneous and dependent capture), plus
"assumptions-hold" (homogeneous, independent capture: every method's assumptions are
met, so any shortfall there is the pipeline's) and one large case (N = 50,000). The full
product of factors (3 × 2 × 3 × 3 × 4 = 216 cells, hours each) is not run: the
one-factor design shows which factor moves bias and coverage, at 12 scenarios' cost.
``at_heterogeneity`` moves the whole grid to another level of capture heterogeneity
(synth's default, 1, includes a class of people most lists almost never record; the
estimators here undercount them even on the true linkage: see the validation results in
``benchmarks/results/``).
Replicate r of every scenario uses seed ``seed + r`` (common random numbers) for the lists
and for the estimators, so scenarios with the same N share their population and
differences between scenarios are not blurred by different populations.

    result = run_validation([BASELINE], replicates=20, seed=1)
    print(result.summary())
    result.to_dict()            # every run and every aggregate, for JSON

Each replicate runs in its own worker process (``workers``, default 2) and its own
temporary folder, removed afterwards; a worker process serves one replicate, so memory
is returned between replicates.
"""

from __future__ import annotations

import functools
import math
import multiprocessing as mp
import queue as queue_module
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from fullcount import __version__

# As `fullcount estimate` on a case (``fullcount.cli.estimate_command.DEFAULT_LINKAGE_DRAWS``;
# a test keeps the two equal): the suite validates what users get.
LINKAGE_DRAWS = 100
LEVEL = 0.95
WORKERS = 2

# The three versions of a total that are scored against the truth, in table order.
VARIANTS = ("with_linkage", "register", "true_linkage")
VARIANT_LABELS = {"with_linkage": "with linkage uncertainty",
                  "register": "register only (linkage taken as certain)",
                  "true_linkage": "true linkage (estimators alone)"}


# ---------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Scenario:
    """One setting of the synthetic lists: ``n`` people, ``lists`` sources, and the
    ``noise``, ``heterogeneity`` and ``dependence`` of ``fullcount.synth.generate``."""

    name: str
    n: int
    lists: int
    noise: float = 1.0
    heterogeneity: float = 1.0
    dependence: float = 1.0
    about: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def at_heterogeneity(self, heterogeneity: float) -> Scenario:
        """This scenario with capture ``heterogeneity`` instead of its own, named
        ``NAME@hH``; a scenario without heterogeneity (0) is returned as it is."""
        if self.heterogeneity == 0 or self.heterogeneity == heterogeneity:
            return self
        return replace(self, name=f"{self.name}@h{heterogeneity:g}",
                       heterogeneity=heterogeneity)


BASELINE = Scenario("baseline", 2000, 4, about="realistic: heterogeneous capture, lists "
                    "partly copying others, realistic noise")

SCENARIOS: tuple[Scenario, ...] = (
    BASELINE,
    Scenario("assumptions-hold", 2000, 4, heterogeneity=0.0, dependence=0.0,
             about="homogeneous, independent capture: every method's assumptions hold"),
    Scenario("heterogeneity-0", 2000, 4, heterogeneity=0.0,
             about="everyone equally likely to be on a given list; lists still copy"),
    Scenario("heterogeneity-0.5", 2000, 4, heterogeneity=0.5,
             about="moderate heterogeneity: every difference between people halved"),
    Scenario("dependence-0", 2000, 4, dependence=0.0,
             about="no list copies another; people still differ"),
    Scenario("noise-0.5", 2000, 4, noise=0.5, about="cleaner records: easier linkage"),
    Scenario("noise-2", 2000, 4, noise=2.0, about="twice the noise: harder linkage"),
    Scenario("lists-3", 2000, 3, about="three lists: the least MSE can work with"),
    Scenario("lists-5", 2000, 5, about="five lists"),
    Scenario("n-1000", 1000, 4, about="a small case"),
    Scenario("n-10000", 10_000, 4, about="a medium case"),
    Scenario("n-50000", 50_000, 4, about="a large case (about 80,000 records)"),
)

QUICK_SCENARIOS: tuple[Scenario, ...] = (
    Scenario("quick-baseline", 400, 4, about="smoke run: realistic capture, tiny N"),
    Scenario("quick-assumptions-hold", 400, 4, heterogeneity=0.0, dependence=0.0,
             about="smoke run: homogeneous, independent capture, tiny N"),
    Scenario("quick-lists-3", 300, 3, about="smoke run: three lists, tiny N"),
)


def at_heterogeneity(scenarios: Sequence[Scenario], heterogeneity: float) -> list[Scenario]:
    """The scenarios run at capture ``heterogeneity`` (``Scenario.at_heterogeneity``);
    scenarios that become the same setting are run once."""
    from fullcount.errors import FullcountError
    from fullcount.synth.generator import MAX_HETEROGENEITY

    if not 0 <= heterogeneity <= MAX_HETEROGENEITY:
        raise FullcountError(f"heterogeneity must be between 0 and {MAX_HETEROGENEITY:g}, "
                             f"got {heterogeneity:g}")
    settings: dict[tuple[Any, ...], Scenario] = {}
    for scenario in scenarios:
        moved = scenario.at_heterogeneity(heterogeneity)
        key = (moved.n, moved.lists, moved.noise, moved.heterogeneity, moved.dependence)
        settings.setdefault(key, moved)
    return list(settings.values())


def scenario_named(name: str) -> Scenario:
    """The scenario of that name in ``SCENARIOS`` or ``QUICK_SCENARIOS``."""
    from fullcount.errors import FullcountError

    for scenario in (*SCENARIOS, *QUICK_SCENARIOS):
        if scenario.name == name:
            return scenario
    known = ", ".join(s.name for s in (*SCENARIOS, *QUICK_SCENARIOS))
    raise FullcountError(f"unknown scenario '{name}'", hint=f"Scenarios: {known}.")


# ---------------------------------------------------------------------- one run


@dataclass(frozen=True)
class Total:
    """A total and its interval."""

    point: float
    lower: float
    upper: float

    def covers(self, n: int) -> bool:
        return self.lower <= n <= self.upper


@dataclass(frozen=True)
class RunResult:
    """One replicate of one scenario: the truth, the register, the recommended totals
    (``register``, ``with_linkage``, ``true_linkage``) and every method's, and timings.
    ``error`` says why a replicate produced no figures (it is then left out of the
    aggregates and counted as failed)."""

    scenario: str
    replicate: int
    seed: int
    true_n: int
    true_observed: int = 0
    documented: int = 0              # people in the register (entities)
    linkage_f1: float | None = None
    linkage_precision: float | None = None
    linkage_recall: float | None = None
    entity_error: float | None = None  # (entities - true people on a list) / true people
    method: str | None = None        # recommended on the case
    checks_passed: bool | None = None
    disagreement: bool | None = None
    register: Total | None = None
    with_linkage: Total | None = None
    true_method: str | None = None   # recommended on the true capture histories
    true_checks_passed: bool | None = None
    true_linkage: Total | None = None
    by_method: dict[str, dict[str, Total]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # the estimate stage's, on the case
    error: str | None = None

    def total(self, variant: str) -> Total | None:
        return getattr(self, variant)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Step = Callable[[str], None]


def run_replicate(scenario: Scenario, replicate: int, seed: int, *,
                  linkage_draws: int = LINKAGE_DRAWS, methods: Sequence[str] | None = None,
                  work_dir: Path | str | None = None, on_step: Step | None = None,
                  ) -> RunResult:
    """Run the whole pipeline once on scenario's lists drawn with ``seed`` (in a temporary
    folder under ``work_dir``, removed afterwards), and estimate on the true histories.
    ``on_step(what)`` is called as each step starts. Failures are returned, not raised."""
    from fullcount.case import Case
    from fullcount.estimate.histories import CaptureHistories
    from fullcount.estimate.stage import estimate_histories, run_estimate_stage
    from fullcount.ingest import ingest_file
    from fullcount.link.evaluate import evaluate_register
    from fullcount.link.stage import run_link_stage
    from fullcount.normalize.stage import run_normalize_stage
    from fullcount.synth import generate

    say = on_step or (lambda _step: None)
    seconds: dict[str, float] = {}
    started = last = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        seconds[name] = round(now - last, 3)
        last = now

    found: dict[str, Any] = {}
    chosen = list(methods) if methods else None
    try:
        with tempfile.TemporaryDirectory(prefix="fullcount-validate-", dir=work_dir) as tmp:
            root = Path(tmp)
            say("generating lists")
            summary = generate(root / "lists", n=scenario.n, lists=scenario.lists, seed=seed,
                               noise=scenario.noise, heterogeneity=scenario.heterogeneity,
                               dependence=scenario.dependence)
            found.update(true_observed=summary.n_observed)
            lap("synth")
            with Case.create(root / "case",
                             name=f"validation {scenario.name} #{replicate}") as case:
                say("ingesting")
                for src in summary.sources:
                    ingest_file(case, summary.out_dir / src.path, source=src.name)
                lap("ingest")
                say("normalising")
                run_normalize_stage(case)
                lap("normalize")
                say("linking")
                linked = run_link_stage(case, progress=lambda what: say(f"linking: {what}"))
                quality = evaluate_register(case, summary.out_dir / "truth")
                found.update(documented=linked.entities, linkage_f1=quality.f1,
                             linkage_precision=quality.precision,
                             linkage_recall=quality.recall,
                             entity_error=quality.entity_error)
                lap("link")
                say("estimating")
                run = run_estimate_stage(
                    case, chosen, seed=seed, level=LEVEL, linkage_draws=linkage_draws,
                    on_step=lambda what: say(f"estimating: {what}"))
                lap("estimate")
        say("estimating on the true linkage")
        names = [src.name for src in summary.sources]
        truth = estimate_histories(
            {"all": CaptureHistories.from_patterns(summary.capture_histories, names)},
            chosen, seed=seed, level=LEVEL)
        lap("true_estimate")
    except Exception as exc:  # noqa: BLE001 - one failed replicate must not end the rest
        seconds["total"] = round(time.perf_counter() - started, 3)
        message = getattr(exc, "message", None) or str(exc)
        return RunResult(scenario.name, replicate, seed, scenario.n, **found,
                         seconds=seconds, error=f"{type(exc).__name__}: {message}")
    seconds["total"] = round(time.perf_counter() - started, 3)

    by_method: dict[str, dict[str, Total]] = {}
    for e in _whole_population(run.estimates):
        by_method.setdefault(e.method, {})["register"] = _total(e)
        if (drawn := _with_linkage(e)) is not None:
            by_method[e.method]["with_linkage"] = drawn
    for e in _whole_population(truth.estimates):
        by_method.setdefault(e.method, {})["true_linkage"] = _total(e)
    case_choice, true_choice = run.recommendation, truth.recommendation
    return RunResult(
        scenario.name, replicate, seed, scenario.n, **found,
        method=case_choice.method if case_choice else None,
        checks_passed=case_choice.checks_passed if case_choice else None,
        disagreement=case_choice.disagreement if case_choice else None,
        register=_total(case_choice.estimate) if case_choice else None,
        with_linkage=_with_linkage(case_choice.estimate) if case_choice else None,
        true_method=true_choice.method if true_choice else None,
        true_checks_passed=true_choice.checks_passed if true_choice else None,
        true_linkage=_total(true_choice.estimate) if true_choice else None,
        by_method=by_method, seconds=seconds, warnings=list(run.warnings))


def _total(e: Any) -> Total:
    return Total(float(e.point), float(e.lower), float(e.upper))


def _with_linkage(e: Any) -> Total | None:
    found = e.diagnostics.get("linkage")
    if not isinstance(found, dict) or "lower" not in found:
        return None
    return Total(float(found["point"]), float(found["lower"]), float(found["upper"]))


def _whole_population(estimates: Iterable[Any]) -> list[Any]:
    """Each method's estimate of everyone (no strata here: stratum "all")."""
    seen: dict[str, Any] = {}
    for e in estimates:
        if e.stratum in (None, "all", "total"):
            seen.setdefault(e.method, e)
    return list(seen.values())


# ---------------------------------------------------------------------- aggregates


def score(totals: Sequence[Total], true_n: Sequence[int]) -> dict[str, Any] | None:
    """Relative bias and RMSE of the points, coverage of the true N by the intervals and
    their mean relative width, with Monte Carlo standard errors; ``None`` without runs."""
    if not totals:
        return None
    n = np.asarray(true_n, dtype=float)
    error = np.array([t.point for t in totals]) / n - 1.0
    covered = np.array([t.covers(int(k)) for t, k in zip(totals, true_n, strict=True)])
    width = np.array([t.upper - t.lower for t in totals]) / n
    runs = len(totals)
    coverage = float(covered.mean())
    return {
        "runs": runs,
        "bias": float(error.mean()),
        "bias_se": float(error.std(ddof=1) / math.sqrt(runs)) if runs > 1 else None,
        "rmse": float(math.sqrt(np.mean(error**2))),
        "coverage": coverage,
        "coverage_se": float(math.sqrt(coverage * (1 - coverage) / runs)),
        "width": float(width.mean()),
    }


def summarise(runs: Sequence[RunResult]) -> dict[str, Any]:
    """The aggregates of a set of runs (one scenario's, or all of them)."""
    ok = [r for r in runs if r.error is None]
    result: dict[str, Any] = {"runs": len(ok), "failed": len(runs) - len(ok),
                              "errors": sorted({r.error for r in runs if r.error})[:5]}
    for variant in VARIANTS:
        scored = [r for r in ok if r.total(variant) is not None]
        result[variant] = score([r.total(variant) for r in scored],  # type: ignore[misc]
                                [r.true_n for r in scored])
    result["methods"] = dict(Counter(r.method for r in ok if r.method).most_common())
    result["methods_true_linkage"] = dict(
        Counter(r.true_method for r in ok if r.true_method).most_common())
    result["checks_passed"] = _share([r.checks_passed for r in ok])
    result["disagreement"] = _share([r.disagreement for r in ok])
    result["linkage_f1"] = _mean([r.linkage_f1 for r in ok])
    result["entity_error"] = _mean([r.entity_error for r in ok])
    result["observed_share"] = _mean([r.true_observed / r.true_n for r in ok])
    result["seconds_per_replicate"] = _mean([r.seconds.get("total") for r in runs])
    by_method: dict[str, dict[str, Any]] = {}
    for method in sorted({m for r in ok for m in r.by_method}):
        by_method[method] = {}
        for variant in VARIANTS:
            scored = [r for r in ok if variant in r.by_method.get(method, {})]
            by_method[method][variant] = score(
                [r.by_method[method][variant] for r in scored], [r.true_n for r in scored])
    result["by_method"] = by_method
    return result


def _share(values: Sequence[bool | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(np.mean(known)) if known else None


@dataclass
class ValidationResult:
    """Every run and the aggregates per scenario and over all of them."""

    scenarios: list[Scenario]
    runs: list[RunResult]
    replicates: int
    seed: int
    linkage_draws: int
    workers: int
    seconds: float
    methods: list[str] | None = None

    def runs_of(self, scenario: str) -> list[RunResult]:
        return [r for r in self.runs if r.scenario == scenario]

    @property
    def by_scenario(self) -> dict[str, dict[str, Any]]:
        return {s.name: summarise(self.runs_of(s.name)) for s in self.scenarios}

    @property
    def overall(self) -> dict[str, Any]:
        return summarise(self.runs)

    def to_dict(self) -> dict[str, Any]:
        by_scenario = self.by_scenario
        return {
            "fullcount": __version__,
            "settings": {"replicates": self.replicates, "seed": self.seed,
                         "seeds": [self.seed + r for r in range(self.replicates)],
                         "linkage_draws": self.linkage_draws, "level": LEVEL,
                         "methods": self.methods or "as `fullcount estimate` (every method "
                         "that applies)", "workers": self.workers},
            "seconds": round(self.seconds, 1),
            "scenarios": [{**s.to_dict(), "summary": by_scenario[s.name]}
                          for s in self.scenarios],
            "overall": self.overall,
            "runs": [r.to_dict() for r in self.runs],
        }

    def summary(self) -> str:
        """A fixed-width table: per scenario, bias, RMSE and coverage of the three
        versions of the recommended total, and the methods chosen."""
        return format_table([(s, self.runs_of(s.name)) for s in self.scenarios],
                            self.overall)


def format_table(rows: Sequence[tuple[Scenario, Sequence[RunResult]]],
                 overall: dict[str, Any] | None = None, *, header: bool = True,
                 legend: bool = True) -> str:
    """The results table as text (see ``ValidationResult.summary``); without ``header``
    and ``legend``, only the rows (to print one scenario's as it finishes)."""
    title = (f"{'scenario':<24} {'N':>6} {'K':>2} {'runs':>4}  {'bias':>7} {'RMSE':>6}  "
              f"{'cover':>5} {'reg.':>5} {'true':>5}  {'bias,true':>9}  {'link F1':>7} "
              f"{'s/run':>6}  methods chosen")
    lines = [title, "-" * len(title)] if header else []
    for scenario, runs in rows:
        lines.append(_table_line(scenario.name, f"{scenario.n:,}", str(scenario.lists),
                                 summarise(runs)))
    if overall is not None and len(rows) > 1:
        lines.append(_table_line("all", "", "", overall))
    if legend:
        lines.append("bias, RMSE, cover: the recommended total with linkage uncertainty "
                     "against the true N; reg.: coverage of the register-only interval; "
                     "true: of the estimate on the true linkage; bias,true: its bias.")
    return "\n".join(lines)


def _table_line(name: str, n: str, k: str, s: dict[str, Any]) -> str:
    lead = s["with_linkage"] or s["register"]
    reg, true = s["register"], s["true_linkage"]
    methods = ", ".join(f"{m} {c}" for m, c in s["methods"].items())
    return (f"{name:<24} {n:>6} {k:>2} {s['runs']:>4}  {percent(lead, 'bias'):>7} "
            f"{percent(lead, 'rmse', signed=False):>6}  {percent(lead, 'coverage', signed=False):>5} "
            f"{percent(reg, 'coverage', signed=False):>5} {percent(true, 'coverage', signed=False):>5}"
            f"  {percent(true, 'bias'):>9}  "
            f"{'' if s['linkage_f1'] is None else format(s['linkage_f1'], '.3f'):>7} "
            f"{'' if s['seconds_per_replicate'] is None else format(s['seconds_per_replicate'], '.0f'):>6}"
            f"  {methods}" + (f"  ({s['failed']} failed)" if s["failed"] else ""))


def percent(scores: dict[str, Any] | None, key: str, *, signed: bool = True) -> str:
    """``scores[key]`` as a percentage ("+2.1%" when ``signed``, else "92%"); "–" when
    missing."""
    if not scores or scores.get(key) is None:
        return "–"
    return format(scores[key], "+.1%" if signed else ".0%")


# ---------------------------------------------------------------------- many runs


@dataclass(frozen=True)
class ValidationProgress:
    """Where a validation is: ``done`` of ``total`` replicates finished; the latest
    ``step`` of replicate ``replicate`` of ``scenario`` ("done" with its ``result``)."""

    done: int
    total: int
    scenario: str
    replicate: int
    step: str
    result: RunResult | None = None


_steps: Any = None  # in a worker process: the queue its steps go to


def _start_worker(steps: Any) -> None:
    global _steps
    _steps = steps


def _run_in_worker(index: int, scenario: Scenario, replicate: int, seed: int,
                   linkage_draws: int, methods: list[str] | None,
                   work_dir: str | None) -> RunResult:
    def say(step: str) -> None:
        if _steps is not None:
            _steps.put((index, step))

    return run_replicate(scenario, replicate, seed, linkage_draws=linkage_draws,
                         methods=methods, work_dir=work_dir, on_step=say)


def run_validation(scenarios: Sequence[Scenario], replicates: int, *, seed: int = 1,
                   linkage_draws: int = LINKAGE_DRAWS, workers: int = WORKERS,
                   progress: Callable[[ValidationProgress], None] | None = None,
                   methods: Sequence[str] | None = None,
                   work_dir: Path | str | None = None) -> ValidationResult:
    """Run ``replicates`` replicates of every scenario (replicate r with seed ``seed + r``)
    in ``workers`` processes (1: in this process) and score them against the truth.

    ``methods``: the estimation methods (default: those `fullcount estimate` runs);
    ``linkage_draws``: as `fullcount estimate --linkage-draws` (0: none, then the
    "with linkage uncertainty" figures are missing). ``progress`` is called in this
    process with each step a replicate starts and each replicate finished. Temporary
    folders go under ``work_dir`` (default: the system's) and are removed.
    """
    from fullcount.errors import FullcountError

    if not scenarios:
        raise FullcountError("no scenarios to run")
    if len({s.name for s in scenarios}) != len(scenarios):
        raise FullcountError("scenario names must be unique")
    for name, value, low in (("replicates", replicates, 1), ("workers", workers, 1),
                             ("seed", seed, 0), ("linkage draws", linkage_draws, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise FullcountError(f"{name} must be a whole number of at least {low}, "
                                 f"got {value!r}")
    if linkage_draws == 1:
        raise FullcountError("linkage draws must be 0 (none) or at least 2, got 1")
    chosen = list(methods) if methods else None
    tasks = [(s, r, seed + r) for s in scenarios for r in range(replicates)]
    results: list[RunResult | None] = [None] * len(tasks)
    done = 0
    started = time.perf_counter()

    def tell(index: int, step: str, result: RunResult | None = None) -> None:
        if progress is not None:
            scenario, replicate, _ = tasks[index]
            progress(ValidationProgress(done, len(tasks), scenario.name, replicate, step,
                                        result))

    folder = None if work_dir is None else str(work_dir)
    if workers == 1 or len(tasks) == 1:
        for index, (scenario, replicate, run_seed) in enumerate(tasks):
            results[index] = run_replicate(
                scenario, replicate, run_seed, linkage_draws=linkage_draws, methods=chosen,
                work_dir=folder, on_step=functools.partial(tell, index))
            done += 1
            tell(index, "done", results[index])
    else:
        # spawn, not fork: the parent may hold DuckDB or numba threads; one replicate per
        # worker process, so its memory is returned when it ends.
        context = mp.get_context("spawn")
        steps = context.Queue()
        pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context,
                                   max_tasks_per_child=1, initializer=_start_worker,
                                   initargs=(steps,))
        try:
            futures: dict[Future[RunResult], int] = {
                pool.submit(_run_in_worker, index, scenario, replicate, run_seed,
                            linkage_draws, chosen, folder): index
                for index, (scenario, replicate, run_seed) in enumerate(tasks)}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                _drain(steps, tell)
                for future in finished:
                    index = futures[future]
                    results[index] = _result_of(future, tasks[index])
                    done += 1
                    tell(index, "done", results[index])
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            steps.close()
    return ValidationResult(
        scenarios=list(scenarios), runs=[r for r in results if r is not None],
        replicates=replicates, seed=seed, linkage_draws=linkage_draws, workers=workers,
        seconds=time.perf_counter() - started, methods=chosen)


def _drain(steps: Any, tell: Callable[[int, str], None]) -> None:
    while True:
        try:
            index, step = steps.get_nowait()
        except queue_module.Empty:
            return
        tell(index, step)


def _result_of(future: Future[RunResult], task: tuple[Scenario, int, int]) -> RunResult:
    """The worker's result, or a failed run saying why the worker itself died."""
    scenario, replicate, run_seed = task
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - e.g. the worker was killed (out of memory)
        return RunResult(scenario.name, replicate, run_seed, scenario.n,
                         error=f"the worker process failed: {type(exc).__name__}: {exc}")


__all__ = ["BASELINE", "LINKAGE_DRAWS", "QUICK_SCENARIOS", "SCENARIOS", "RunResult",
           "Scenario", "Total", "ValidationProgress", "ValidationResult", "at_heterogeneity",
           "format_table", "percent", "run_replicate", "run_validation", "scenario_named",
           "score", "summarise"]
