"""``esealkit licence``: e-licence commands; see :mod:`esealkit.cli.licence.library` (check-id,
import, search, show, revoke, types) and :mod:`esealkit.cli.licence.issuing` (issue, verify).

The lead registers the group with ``main.add_command(licence)``.
"""

from esealkit.cli.licence import issuing as _issuing  # noqa: F401  (registers issue and verify)
from esealkit.cli.licence.library import licence

__all__ = ["licence"]
