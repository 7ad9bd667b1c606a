"""The report stage: one self-contained HTML page (and a PDF) a reader can trust: the
register, the estimate with its interval, claims against the evidence, methods, limits
and the audit trail."""

from fullcount.report.render import WrittenReport, write_report

__all__ = ["WrittenReport", "write_report"]
