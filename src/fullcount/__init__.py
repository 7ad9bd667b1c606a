"""fullcount: overlapping victim lists to one register and a defensible total."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fullcount")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
