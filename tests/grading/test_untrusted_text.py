"""A submission's text, shown by the trusted side: no formulas in CSV, no escapes on the terminal."""
import csv
import importlib
import io

import numpy as np
import pytest

from solutions_lib.course import report
from solutions_lib.course.autograde import progress
from solutions_lib.grading.untrusted_text import printable, spreadsheet_cell

# The package `report` exports a function named `collect`, hiding its module of that name.
report_collect = importlib.import_module("solutions_lib.course.report.collect")
ESCAPE = "\x1b]0;owned\x07\x1b[2J\x1b[31m"


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                                  "\tx", "\rx"])
def test_formulas_become_text(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-3.5", "+2", "1e-3", "-inf", "cl_j0142", "", -4.0, 7, None])
def test_numbers_and_plain_text_are_kept(value):
    assert spreadsheet_cell(value) == value


def test_csv_files_written_by_others_are_neutralised(tmp_path):
    path = tmp_path / "grades.csv"
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows([["student_id", "score"], ["=cmd()", "-3"], ["bob", "10"]])
    report.neutralise_csv(path)
    with open(path, newline="") as handle:
        assert list(csv.reader(handle)) == [["student_id", "score"], ["'=cmd()", "-3"], ["bob", "10"]]


def test_printable_strips_control_characters():
    text = printable(f"student{ESCAPE}\nname\u202e")
    assert "\x1b" not in text and "\x07" not in text and "\n" not in text and "\u202e" not in text
    assert text.startswith("student") and "name" in text
    assert len(printable("x" * 5000, 100)) == 100


def test_the_progress_display_writes_no_student_escapes():
    stream = io.StringIO()
    display = progress.Display(total=1, stream=stream, live=False)
    display.queued(f"mallory{ESCAPE}")
    display.running(f"mallory{ESCAPE}", "worker-1")
    display.finished(progress.Outcome(f"mallory{ESCAPE}", "failed", message=f"could not prepare{ESCAPE}"))
    table = progress.summary_table(display.done, 1.0)
    assert "\x1b" not in stream.getvalue() and "\x1b" not in table and "\x07" not in table
    assert "mallory" in table and "could not prepare" in table


@pytest.mark.parametrize("live", [False, True])
def test_a_student_id_in_markup_is_shown_as_typed(live):
    student = "[bold red]x[/]\x1b[2J"
    stream = io.StringIO()
    display = progress.Display(total=1, stream=stream, live=live)
    display.queued(student)
    display.running(student, "worker-1")
    display.finished(progress.Outcome(student, "failed", message="[blink]oops[/blink]"))
    display.close()
    shown = stream.getvalue()
    table = progress.summary_table(display.done, 1.0)
    for text in (shown, table):
        assert "[bold red]x[/]" in text and "[blink]oops[/blink]" in text
        assert "\x1b[2J" not in text and "\x1b[1;31m" not in text and "\x1b[5m" not in text
    assert ("\x1b[" in shown) is live  # the live block draws with its own escapes; plain lines have none
    assert "\x1b" not in table


def test_absurd_numbers_stay_out_of_the_report(tmp_path):
    np.savez(tmp_path / "dic.npz", DIC1=np.array(1.7e308), DIC2=np.array(3.0))
    assert report_collect._dics(tmp_path) == (None, None)
    np.savez(tmp_path / "dic.npz", DIC1=np.array(12.5), DIC2=np.array(3.0))
    assert report_collect._dics(tmp_path) == (12.5, 3.0)
