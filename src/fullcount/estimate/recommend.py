"""The recommended estimate: which total to lead with, by a rule written down in advance,
with the reasons in plain sentences, and never one method's figure alone when the methods
disagree.

The rule, in order (the first method that was run and passes its checks):

1. **LCMCR** (3 or more lists). The latent-class model lets people differ in how likely
   lists are to record them, and lists depend on each other through those classes,
   without choosing one model; it is the usual choice in human-rights casualty work
   (Manrique-Vallier 2016). Checks: its chains agree (R-hat at most its ``max_rhat``,
   1.01), bulk and tail effective sample sizes of at least 400 (below that the interval's
   ends are themselves uncertain; Vehtari et al. 2021), the posterior not pressed
   against the cap on N, and not every latent class in use.
2. **DGA** (3 to 5 lists): Bayesian averaging over the log-linear models of how the lists
   depend on each other (decomposable graphs), so its interval includes the uncertainty
   about which model holds. Check: not degenerate (no mass piled at "nobody missed" or at
   the grid's edge, saturated graph not dominant).
3. **Log-linear** (the model chosen by BIC, as Rcapture): one model, so its interval
   leaves out the uncertainty of choosing it. Check: the interval has an upper end.
4. **Chapman** (2 lists; log-linear with 2 lists is only the independence model).
   Check: at least 7 people on both lists.

When the interval with linkage uncertainty was drawn, a method whose combination over the
drawn linkages carries a warning (runs that had not settled, drawn linkages it could not
estimate, too many draws with degenerate estimates) fails its checks as well.

When no method passes its checks, the first available in that order is shown and the
reasons say so (``checks_passed`` is False). Methods *disagree widely* when, among the
recommended method and the others that pass their checks, two intervals do not overlap or
one total is more than ``DISAGREEMENT_RATIO`` times another; the reasons then say so and
``disagreement`` is True: report the range across methods, not one figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fullcount.estimate.methods import METHOD_NAMES
from fullcount.estimate.result import Estimate

DISAGREEMENT_RATIO = 1.5   # one method's total more than 1.5 times another's
MIN_ESS = 400              # Vehtari et al. (2021): below this, R-hat and quantiles are unreliable
K_STAR_SHARE = 0.05        # as LCMCR's own warning
CAP_SHARE = 0.001          # as LCMCR's own warning
MIN_OVERLAP = 7            # Chapman: Robson & Regier (1964)

WHY = {
    "lcmcr": "the latent-class model (LCMCR) allows people to differ in how likely each "
             "list is to record them, and lists to depend on each other, without "
             "choosing one model",
    "dga": "DGA averages over the models of how the lists depend on each other, so its "
           "interval includes the uncertainty about which model holds",
    "loglinear": "the log-linear model chosen by BIC allows for dependence between lists; "
                 "its interval does not include the uncertainty of choosing that model",
    "chapman": "with two lists, Chapman's estimator is the standard; it assumes that being "
               "on one list does not change the chance of being on the other",
}


@dataclass(frozen=True)
class Recommendation:
    """The total to lead with (``estimate``: stratum "all", or "total" over strata), why,
    and whether the methods agree."""

    method: str
    estimate: Estimate
    reasons: tuple[str, ...]
    disagreement: bool
    checks_passed: bool
    compared: tuple[str, ...] = ()

    @property
    def linkage(self) -> dict[str, Any] | None:
        """The interval with linkage uncertainty, when it was drawn."""
        found = self.estimate.diagnostics.get("linkage")
        return found if isinstance(found, dict) and "lower" in found else None

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "stratum": self.estimate.stratum,
                "point": self.estimate.point, "lower": self.estimate.lower,
                "upper": self.estimate.upper, "level": self.estimate.level,
                "with_linkage": ({k: self.linkage[k] for k in ("point", "lower", "upper")}
                                 if self.linkage else None),
                "reasons": list(self.reasons), "disagreement": self.disagreement,
                "checks_passed": self.checks_passed, "compared": list(self.compared)}


def recommend(estimates: Sequence[Estimate], k: int, *,
              skipped: Mapping[str, str] | None = None) -> Recommendation | None:
    """The recommended total among ``estimates`` (one run: every method, stratum and
    total) for ``k`` lists; ``skipped`` says why methods were not run. ``None`` when
    there is no estimate of the whole population."""
    totals = _totals(estimates)
    if not totals:
        return None
    order = ["lcmcr", "dga", "loglinear"] if k >= 3 else ["chapman", "loglinear"]
    order += [m for m in totals if m not in order]
    problems = {m: _problems(m, [e for e in estimates if e.method == m], totals[m])
                for m in totals}
    reasons: list[str] = []
    passed = next((m for m in order if m in totals and not problems[m]), None)
    chosen = passed or next(m for m in order if m in totals)
    for m in order:
        if m == passed:
            break
        if m in totals:
            verdict = "fails its checks" if m == chosen else "was set aside"
            reasons.append(f"{METHOD_NAMES.get(m, m)} {verdict}: {'; '.join(problems[m])} "
                           f"(it gives {_figure(totals[m])}).")
        elif skipped and m in skipped:
            reasons.append(f"{METHOD_NAMES.get(m, m)} was not used: {skipped[m]}.")
        elif skipped and any(key.startswith(f"{m} · ") for key in skipped):
            where, why = next((key.split(" · ", 1)[1], text) for key, text in skipped.items()
                              if key.startswith(f"{m} · "))
            reasons.append(f"{METHOD_NAMES.get(m, m)} gave no total: it could not be fitted in "
                           f"stratum {where} ({why}).")
    best = totals[chosen]
    name = METHOD_NAMES.get(chosen, chosen)
    if passed is None:
        reasons.insert(0, (
            f"No method passed its checks. {name} is shown, {best.point:,.0f} "
            f"({_interval(best)}), as the first in the order of preference, but its figure "
            "should not be reported without the caveats below."))
    else:
        reasons.insert(0, (
            f"{name} is recommended: {best.point:,.0f} ({_interval(best)}), from {k} "
            f"lists: {WHY.get(chosen, 'the only method run')}."))
    if chosen == "lcmcr" and passed:
        d = _lcmcr_figures([e for e in estimates if e.method == "lcmcr"])
        reasons.append(f"Its chains agree (R-hat {d['rhat']:.3f}) and it has enough "
                       f"effective draws (ESS {d['ess']:,.0f}).")
    reasons.extend(_linkage_reasons(best))
    compared = [m for m in order if m in totals and (m == chosen or not problems[m])]
    disagreement, sentence = _agreement(chosen, compared, totals)
    if sentence:
        reasons.append(sentence)
    return Recommendation(method=chosen, estimate=best, reasons=tuple(reasons),
                          disagreement=disagreement, checks_passed=passed is not None,
                          compared=tuple(compared))


def _totals(estimates: Sequence[Estimate]) -> dict[str, Estimate]:
    """Each method's estimate of the whole population: its "total" over strata, or its
    estimate of the only stratum when there are no strata."""
    strata = {e.stratum for e in estimates if e.stratum != "total"}
    wanted = "total" if len(strata) > 1 else next(iter(strata), None)
    totals: dict[str, Estimate] = {}
    for e in estimates:
        if e.stratum == wanted:
            totals.setdefault(e.method, e)
    return totals


def _problems(method: str, fitted: Sequence[Estimate], total: Estimate) -> list[str]:
    """Why a method's total should not lead, in plain words (empty when it may): at most
    the first two strata with a problem are described."""
    parts = [e for e in fitted if e.stratum != "total"] or [total]
    by_stratum = [_stratum_problems(method, e) for e in parts]
    troubled = [(e, found) for e, found in zip(parts, by_stratum, strict=True) if found]
    if len(parts) == 1:
        return by_stratum[0]
    described = [f"{'; '.join(found)} in stratum {e.stratum}" for e, found in troubled[:2]]
    if len(troubled) > 2:
        described.append(f"and {len(troubled) - 2} more of the {len(parts)} strata")
    return described


def _stratum_problems(method: str, e: Estimate) -> list[str]:
    """The checks of the module docstring on one estimate, and on its interval with
    linkage uncertainty when that was drawn."""
    linkage = e.diagnostics.get("linkage")
    drawn = [f"with linkage uncertainty, {_first_sentence(w)}"
             for w in (linkage.get("warnings") or [] if isinstance(linkage, dict) else [])]
    return _register_problems(method, e) + list(dict.fromkeys(drawn))


def _register_problems(method: str, e: Estimate) -> list[str]:
    if method in ("dga", "loglinear", "chapman"):
        return list(dict.fromkeys(_first_sentence(warning) for warning in e.warnings))
    if method != "lcmcr":
        return []
    found: list[str] = []
    d = e.diagnostics
    limit = float(e.settings.get("max_rhat", 1.01))
    rhat = d.get("rhat")
    if rhat is None or rhat > limit:
        shown = "unknown" if rhat is None else f"{rhat:.3f}"
        found.append(f"its chains do not agree (R-hat {shown}, above {limit})")
    ess = min(d.get("ess_bulk") or 0.0, d.get("ess_tail") or 0.0)
    if ess < MIN_ESS:
        found.append(f"too few effective draws (ESS {ess:,.0f}, below {MIN_ESS})")
    cap = d.get("truncation") or {}
    if cap.get("share_of_sweeps_at_cap", 0.0) > CAP_SHARE or (
            cap.get("n_max") and e.upper >= 0.95 * cap["n_max"]):
        found.append("its posterior reaches the cap on N")
    if (d.get("k_star") or {}).get("share_at_K_star", 0.0) > K_STAR_SHARE:
        found.append("it used every latent class (K_star too small)")
    return found


def _lcmcr_figures(fitted: Sequence[Estimate]) -> dict[str, float]:
    parts = [e for e in fitted if e.stratum != "total"] or list(fitted)
    return {"rhat": max(e.diagnostics.get("rhat") or 0.0 for e in parts),
            "ess": min(min(e.diagnostics.get("ess_bulk") or 0.0,
                           e.diagnostics.get("ess_tail") or 0.0) for e in parts)}


def _linkage_reasons(best: Estimate) -> list[str]:
    found = best.diagnostics.get("linkage")
    if not isinstance(found, dict) or "lower" not in found:
        return [("Linkage uncertainty is not included: the interval treats the register "
                 "of people (who is the same person) as certain; on a case, "
                 "`fullcount estimate --linkage-draws M` includes it.")]
    draws = found.get("linkage_draws", "several")
    return [(f"Over {draws} plausible linkages (each candidate pair linked with its match "
             f"probability), the {best.level:.0%} interval is {found['lower']:,.0f} – "
             f"{found['upper']:,.0f}, against {best.lower:,.0f} – {best.upper:,.0f} from the "
             f"register alone ({found.get('widening', 1.0):.2f} times as wide); the "
             "interval with linkage uncertainty is the one to report.")]


def _agreement(chosen: str, compared: Sequence[str],
               totals: Mapping[str, Estimate]) -> tuple[bool, str]:
    others = [m for m in compared if m != chosen]
    if not others:
        return False, ("No other method passed its checks, so there is no cross-check "
                       "of this figure.")
    apart: list[str] = []
    for i, a in enumerate(compared):
        for b in compared[i + 1:]:
            ea, eb = totals[a], totals[b]
            ratio = max(ea.point, eb.point) / max(min(ea.point, eb.point), 1e-12)
            if ea.upper < eb.lower or eb.upper < ea.lower:
                apart.append(f"{METHOD_NAMES.get(a, a)} {_figure(ea)} and {METHOD_NAMES.get(b, b)} "
                             f"{_figure(eb)}: the intervals do not overlap")
            elif ratio > DISAGREEMENT_RATIO:
                apart.append(f"{METHOD_NAMES.get(a, a)} {_figure(ea)} and {METHOD_NAMES.get(b, b)} "
                             f"{_figure(eb)}: one is {ratio:.1f} times the other")
    if apart:
        return True, ("The methods disagree widely (" + "; ".join(apart) + "). Each rests "
                      "on different assumptions about how the lists overlap; report the "
                      "range across methods rather than one figure, and look for the "
                      "reason (strata, a list that behaves differently).")
    listed = ", ".join(f"{METHOD_NAMES.get(m, m)} {_figure(totals[m])}" for m in others)
    return False, f"The other methods that pass their checks agree with it: {listed}."


def _figure(e: Estimate) -> str:
    return f"{e.point:,.0f} ({_interval(e)})"


def _interval(e: Estimate) -> str:
    return f"{e.level:.0%} interval {e.lower:,.0f} – {e.upper:,.0f}"


def _first_sentence(text: str) -> str:
    return text.split(". ")[0].rstrip(".")


__all__ = ["DISAGREEMENT_RATIO", "Recommendation", "recommend"]
