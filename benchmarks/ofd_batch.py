"""OFD batch verification speed: a folder of real sealed OFD documents, verified on one core.

The documents are the shared corpus's sealed OFD files made by other implementations
(``../shared/corpus/ofd``), copied ``--copies`` times: a batch where each seal signs many
documents, as an agency's licences are.  There is no Python peer that verifies OFD seal
signatures, so this prints esealkit's own rates only (documents/s and ms a document).

    .venv/bin/python benchmarks/ofd_batch.py [--copies 100] [--corpus ../shared/corpus/ofd]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from esealkit.batch import BatchVerifier

# Sealed with SM2 seals (GB/T 38540 v4) by three different producers; small, like licences.
FILES = ("1.ofd", "n.ofd", "V4RideRight.ofd")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus" / "ofd")
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the fastest is kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="esealkit-ofd-") as tmp:
        folder = Path(tmp)
        for name in FILES:
            for i in range(args.copies):
                shutil.copy(args.corpus / name, folder / f"{Path(name).stem}-{i:05d}.ofd")
        files = sorted(str(p) for p in folder.iterdir())
        best = float("inf")
        tally: dict[str, int] = {}
        for _ in range(args.repeat):
            batch = BatchVerifier(trust=None, executor="inline")
            started = time.perf_counter()
            tally = {}
            for report in batch.run(files):
                tally[report.indication.value] = tally.get(report.indication.value, 0) + 1
            best = min(best, time.perf_counter() - started)
    print(f"{len(files)} OFD documents ({', '.join(FILES)} x {args.copies}), one core, fastest of {args.repeat}: "
          f"{best:.2f} s, {len(files) / best:.0f} documents/s, {best / len(files) * 1000:.2f} ms a document  {tally}")


if __name__ == "__main__":
    main()
