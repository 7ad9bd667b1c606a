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
from fullcount.estimate.histories import CaptureHistories, HistoriesError
from fullcount.estimate.result import Estimate, EstimationError, Estimator, summary_table

__all__ = [
    "CaptureHistories",
    "Chapman",
    "Estimate",
    "EstimationError",
    "Estimator",
    "HistoriesError",
    "summary_table",
]
