"""The review stage: a local web page where analysts decide the uncertain pairs.

`fullcount review` serves it on the loopback interface; decisions go into the case's
``decisions`` table (audited) and reach the register when the case is clustered again.
"""

from fullcount.review.app import ReviewSession, create_app

__all__ = ["ReviewSession", "create_app"]
