"""Ages are read in ``fullcount.normalize.ages``; re-exported here for existing imports."""

from fullcount.normalize.ages import read_age

__all__ = ["read_age"]
