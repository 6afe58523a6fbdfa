"""Where the shared corpus of real OFD files, seals and seal signatures is.

It lives beside the repository (``../shared/corpus/ofd``), in CI as on a developer's
machine; ``ESEALKIT_CORPUS`` overrides that.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[1]
_CANDIDATES = [Path(os.environ["ESEALKIT_CORPUS"])] if os.environ.get("ESEALKIT_CORPUS") else []
_CANDIDATES += [_REPO.parent / "shared" / "corpus" / "ofd", Path("/work/shared/corpus/ofd")]

CORPUS = next((p for p in _CANDIDATES if (p / "README.md").is_file()), _CANDIDATES[0])
