"""Where the tests find the repository, their fixtures and the folder their screenshots go to."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
FIXTURES = TESTS / "fixtures"  # files the tests read: Colab's host page and kernel package, the seed fingerprint
ARTIFACTS = TESTS / "artifacts"  # screenshots and pages the tests leave for a person to look at (ignored by git)
