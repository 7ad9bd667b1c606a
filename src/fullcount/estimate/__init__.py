"""Multiple systems estimation: how many people in total, including those no list
recorded, from the overlap of K lists.

Standalone: every estimator takes ``CaptureHistories`` and returns an ``Estimate``;
no case is needed.

    from fullcount.estimate import CaptureHistories, Chapman
    histories = CaptureHistories.from_csv("histories.csv")
    model = Chapman().fit(histories)
    print(model.summary())

``recommend`` says which total to lead with and why; ``estimate_over_linkages`` combines
an estimator over drawn linkages (``CandidateLinks`` draws them from a case) so that
intervals include linkage uncertainty.
"""

from fullcount.estimate.chapman import Chapman
from fullcount.estimate.combine import combine_strata, leave_one_out
from fullcount.estimate.histories import CaptureHistories, HistoriesError, read_histories_csv
from fullcount.estimate.linkage import CandidateLinks, LinkageEstimate, estimate_over_linkages
from fullcount.estimate.recommend import Recommendation, recommend
from fullcount.estimate.result import Estimate, EstimationError, Estimator, summary_table

__all__ = [
    "CandidateLinks",
    "CaptureHistories",
    "Chapman",
    "Estimate",
    "EstimationError",
    "Estimator",
    "HistoriesError",
    "LinkageEstimate",
    "Recommendation",
    "combine_strata",
    "estimate_over_linkages",
    "leave_one_out",
    "read_histories_csv",
    "recommend",
    "summary_table",
]


def __getattr__(name: str) -> object:
    """The other estimators load on first use (numba compiles their kernels)."""
    if name in ("LogLinear", "LCMCR", "DGA"):
        from fullcount.estimate.methods import estimator_class

        return estimator_class({"LogLinear": "loglinear", "LCMCR": "lcmcr", "DGA": "dga"}[name])
    raise AttributeError(name)
