"""Fingerprint the original course notebook (the seed) so tests can check for copied text without it.

``python tools/seed_fingerprint.py [SEED]`` writes ``tests/fixtures/seed_shingles.txt``: one short
hash per run of 9 words of the seed, never the text itself. Rerun it if the seed changes.
"""
from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEED = ROOT.parent / "shared" / "seed" / "xray_image_tutorial.txt"
FINGERPRINT = ROOT / "tests" / "fixtures" / "seed_shingles.txt"
SHINGLE = 9
WORD = re.compile(r"[a-z0-9']+")


def shingle_hashes(text: str, size: int = SHINGLE) -> dict[str, str]:
    """hash -> the run of ``size`` lower-case words it stands for, for every run in ``text``."""
    words = WORD.findall(text.lower())
    runs = (" ".join(words[i:i + size]) for i in range(len(words) - size + 1))
    return {hashlib.sha256(run.encode()).hexdigest()[:16]: run for run in runs}


def main(argv: list[str]) -> int:
    seed = Path(argv[1]) if len(argv) > 1 else DEFAULT_SEED
    hashes = sorted(shingle_hashes(seed.read_text(errors="replace")))
    FINGERPRINT.parent.mkdir(parents=True, exist_ok=True)
    FINGERPRINT.write_text("\n".join(hashes) + "\n")
    print(f"{len(hashes)} nine-word runs of {seed} fingerprinted in {FINGERPRINT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
