"""Batch verification (批量验证): folders of thousands of documents, every core, nothing lost.

    >>> from esealkit.batch import BatchVerifier
    >>> batch = BatchVerifier(trust=Trust.load(["root.pem"]))             # doctest: +SKIP
    >>> for report in batch.run(["docs/", "s3://bucket/in/"]):            # doctest: +SKIP
    ...     print(report.path, report.indication)

See :mod:`esealkit.batch.runner` (executors), :mod:`esealkit.batch.pool` (the default
crash- and hang-proof process pool), :mod:`esealkit.batch.journal` (JSON Lines and
resume) and :mod:`esealkit.batch.writers` (CSV, JUnit XML, HTML).
"""

from esealkit.batch.discovery import Source, discover
from esealkit.batch.journal import Journal, read_journal
from esealkit.batch.pool import LocalPool
from esealkit.batch.runner import BatchVerifier
from esealkit.batch.writers import write_csv, write_html, write_junit

__all__ = [
    "BatchVerifier",
    "Journal",
    "LocalPool",
    "Source",
    "discover",
    "read_journal",
    "write_csv",
    "write_html",
    "write_junit",
]
