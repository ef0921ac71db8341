"""Grades for a learning-management system, as an nbgrader export plugin.

``nbgrader export --exporter=solutions_lib.course.report.lms.LmsGradesExport --to lms_grades.csv``
writes one row per student and one column per assignment (the score after
late penalties; the column name carries the points possible), the layout
that Moodle's and Canvas's grade imports map onto their own columns.
Students without a submission get 0. The class report writes this file
and nbgrader's own ``grades.csv`` through ``nbgrader export``.
"""
from __future__ import annotations

import csv

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin


class LmsGradesExport(ExportPlugin):
    """One row per student, one column per assignment: the final score."""

    def export(self, gradebook: Gradebook) -> None:
        """Write the grades CSV to ``self.to`` (``lms_grades.csv`` by default).

        Only the assignments and students nbgrader was asked for (all, by
        default); scores are net of late penalties, floored at 0.

        Parameters
        ----------
        gradebook : nbgrader.api.Gradebook
            The course's gradebook.
        """
        destination = self.to or "lms_grades.csv"
        assignments = [a for a in gradebook.assignments if not self.assignment or a.name in self.assignment]
        students = [s for s in gradebook.students if not self.student or s.id in self.student]
        self.log.info("Exporting LMS grades to %s", destination)
        with open(destination, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["student_id", "last_name", "first_name", "email",
                             *(f"{a.name} (out of {a.max_score:g})" for a in assignments)])
            for student in sorted(students, key=lambda s: s.id):
                row = [student.id, student.last_name or "", student.first_name or "", student.email or ""]
                for assignment in assignments:
                    try:
                        submission = gradebook.find_submission(assignment.name, student.id)
                    except MissingEntry:
                        row.append("0")
                        continue
                    penalty = submission.late_submission_penalty or 0.0
                    row.append(f"{max(0.0, submission.score - penalty):g}")
                writer.writerow(row)
