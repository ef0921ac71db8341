"""``nbgrader collect`` for this course: submissions copied by `safe_copy`'s rules.

nbgrader's exchange copies a submission with `shutil.copytree`, which
follows links to files (a student's ``key.txt`` pointing at the
instructor's notebook arrives as that notebook), opens FIFOs (the whole
collect hangs) and reads devices (``/dev/zero`` fills the disk). The
exchange's folder and file names are the student's too: one that nbgrader
cannot parse stops collection for the class.

`SafeExchangeCollect` keeps nbgrader's collect (which submission is the
latest, updates, the gradebook) and changes what is unsafe:

* a submission is copied with `safe_copy.copy_plain_tree` (regular files
  only, never through a link, caps on size, count, depth and total, plain
  names), after nbgrader's own ignore and include patterns;
* an inbound entry whose name, student id or timestamp is not plain, or
  that is not a real folder, is skipped with a warning, and the rest of
  the class is collected;
* a ``timestamp.txt`` that does not parse is replaced by the submission's
  timestamp from the exchange;
* what was refused is written next to the submission, in
  ``submitted/STUDENT/ASSIGNMENT.refused.txt`` (outside the folder that is
  graded), and logged.

Configured in ``nbgrader_config.py``::

    c.ExchangeFactory.collect = "solutions_lib.course.safe_collect.SafeExchangeCollect"
"""
from __future__ import annotations

import datetime
import os
import re
import stat
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect
from traitlets import Integer

from ..grading import safe_copy
from ..grading.submission_guard import refused_note_path, timestamp_problem

STUDENT_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}")


class SafeExchangeCollect(ExchangeCollect):
    """nbgrader's collect, copying only what `safe_copy` accepts (see the module docstring)."""

    max_file_mb = Integer(50, help="Largest single file taken from a submission, in MB.").tag(config=True)
    max_total_mb = Integer(256, help="All files taken from one submission together, in MB.").tag(config=True)
    max_files = Integer(1000, help="Most files taken from one submission.").tag(config=True)
    max_depth = Integer(8, help="Deepest folder taken from a submission (its top folder is 0).").tag(config=True)

    @property
    def limits(self) -> safe_copy.CopyLimits:
        """The configured caps, in the form `safe_copy.copy_plain_tree` takes."""
        return safe_copy.CopyLimits(max_file_bytes=self.max_file_mb * safe_copy.MB,
                                    max_total_bytes=self.max_total_mb * safe_copy.MB,
                                    max_files=self.max_files, max_depth=self.max_depth)

    def _path_to_record(self, path):
        """nbgrader's record of an inbound entry, or one marked ``refused`` when it is not plain.

        A private method of nbgrader's `ExchangeCollect`: its collect has no
        public hook per inbound entry (``init_src`` reads them all with this
        method, and overriding ``init_src`` would copy its body). Checked
        against nbgrader 0.9.6; tests/test_upstream_pins.py fails when that
        changes.
        """
        name = os.path.basename(path)
        parts = name.rsplit("+", 3)
        why = ""
        if safe_copy.plain_name(name) is None or len(parts) < 3:
            why = "its name is not STUDENT+ASSIGNMENT+TIMESTAMP in plain text"
        elif not STUDENT_ID.fullmatch(parts[0]):
            why = "its student id is not a plain name"
        elif not stat.S_ISDIR(os.lstat(path).st_mode):
            why = "it is not a folder (links are never followed)"
        if not why:
            try:
                return super()._path_to_record(path)
            except (ValueError, OverflowError):
                why = "its timestamp does not parse"
        return {"username": f"\0refused:{name}", "filename": name, "refused": why,
                "timestamp": datetime.datetime.min}

    def copy_files(self):
        """nbgrader's copy of the inbound entries, after skipping (and logging) the refused ones."""
        for record in [r for r in self.src_records if "refused" in r]:
            self.log.warning("Skipping inbound entry %s: %s", safe_copy.shown(record["filename"]), record["refused"])
        self.src_records = [r for r in self.src_records if "refused" not in r]
        super().copy_files()

    def _skip(self, name: str, depth: int) -> bool:
        return (safe_copy.matches_any(name, self.coursedir.ignore)
                or not safe_copy.matches_any(name, self.coursedir.include))

    def do_copy(self, src, dest, log=None):
        """Copy one submission by `safe_copy`'s rules; note what was refused beside it.

        Parameters
        ----------
        src : str or path-like
            The inbound entry in the exchange.
        dest : str or path-like
            The submission folder, ``submitted/STUDENT/ASSIGNMENT``.
        log : logging.Logger, optional
            Where to warn about what was refused; defaults to the app's log.
        """
        refused = safe_copy.copy_plain_tree(src, dest, self.limits, self._skip)
        refused += self._check_timestamp(Path(src), Path(dest))
        note = refused_note_path(dest)
        if refused:
            note.write_text("Refused when this submission was collected:\n" + "\n".join(refused) + "\n")
            (log or self.log).warning("Refused from %s: %s", safe_copy.shown(os.path.basename(src)), "; ".join(refused))
        elif note.exists():
            note.unlink()

    @staticmethod
    def _check_timestamp(src: Path, dest: Path) -> list[str]:
        """Replace a missing or unparsable ``timestamp.txt`` by the exchange entry's timestamp."""
        path = dest / "timestamp.txt"
        if path.is_file() and not timestamp_problem(dest):
            return []
        path.write_text(src.name.rsplit("+", 3)[2])
        return ["'timestamp.txt': missing or not a timestamp; replaced by the exchange's"]
