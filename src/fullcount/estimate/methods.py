"""Estimators by name, for the CLI and the case stage: chapman, loglinear, lcmcr, dga."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fullcount.estimate.histories import CaptureHistories
from fullcount.estimate.result import EstimationError, Estimator

METHODS = ("chapman", "loglinear", "lcmcr", "dga")

# How each method is named in sentences, tables and the report.
METHOD_NAMES = {"lcmcr": "LCMCR", "dga": "DGA", "loglinear": "log-linear",
                "chapman": "Chapman"}

DESCRIPTIONS = {
    "chapman": "Chapman (bias-corrected Lincoln–Petersen), two lists",
    "loglinear": "log-linear models (as Rcapture closedpMS.t), selected by BIC",
    "lcmcr": "Bayesian latent-class model (as LCMCR), Dirichlet-process mixture",
    "dga": "Bayesian model averaging over decomposable graphs (as dga), 3 to 5 lists",
}


def estimator_class(method: str) -> type[Estimator]:
    """The estimator class for a method name (imported on first use)."""
    if method == "chapman":
        from fullcount.estimate.chapman import Chapman

        return Chapman
    if method == "loglinear":
        from fullcount.estimate.loglinear import LogLinear

        return LogLinear
    if method == "lcmcr":
        from fullcount.estimate.lcmcr import LCMCR

        return LCMCR
    if method == "dga":
        from fullcount.estimate.dga import DGA

        return DGA
    raise EstimationError(f"unknown method '{method}'; methods: {', '.join(METHODS)}")


def applicable(method: str, histories: CaptureHistories) -> str | None:
    """Why ``method`` cannot be used on ``histories``, or ``None`` if it can."""
    if method == "chapman" and histories.k != 2:
        return f"Chapman needs exactly 2 lists (here {histories.k})"
    if method == "dga" and not 3 <= histories.k <= 5:
        return f"DGA covers 3 to 5 lists (here {histories.k})"
    if method == "lcmcr" and histories.k < 3:
        return "LCMCR needs at least 3 lists"
    return None


def factory(method: str, **params: Any) -> Callable[[], Estimator]:
    """A function making a fresh, unfitted estimator with ``params``."""
    cls = estimator_class(method)
    accepted = cls.param_names()
    chosen = {k: v for k, v in params.items() if k in accepted and v is not None}
    return lambda: cls(**chosen)
