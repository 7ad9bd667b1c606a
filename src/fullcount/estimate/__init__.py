"""Multiple systems estimation: how many people in total, including those no list
recorded, from the overlap of K lists.

Standalone: every estimator takes ``CaptureHistories`` and returns an ``Estimate``;
no case is needed.

    from fullcount.estimate import CaptureHistories, Chapman
    histories = CaptureHistories.from_csv("histories.csv")
    model = Chapman().fit(histories)
    print(model.summary())
"""

from fullcount.estimate.chapman import Chapman
from fullcount.estimate.combine import combine_strata, leave_one_out
from fullcount.estimate.histories import CaptureHistories, HistoriesError, read_histories_csv
from fullcount.estimate.result import Estimate, EstimationError, Estimator, summary_table

__all__ = [
    "CaptureHistories",
    "Chapman",
    "Estimate",
    "EstimationError",
    "Estimator",
    "HistoriesError",
    "combine_strata",
    "leave_one_out",
    "read_histories_csv",
    "summary_table",
]


def __getattr__(name: str) -> object:
    """The other estimators load on first use (numba compiles their kernels)."""
    if name in ("LogLinear", "LCMCR", "DGA"):
        from fullcount.estimate.methods import estimator_class

        return estimator_class({"LogLinear": "loglinear", "LCMCR": "lcmcr", "DGA": "dga"}[name])
    raise AttributeError(name)
