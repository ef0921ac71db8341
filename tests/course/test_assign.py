"""Dealing data sets to a roster, and the table the grader reads."""
from collections import Counter

import pytest

from solutions_lib.course import assign
from solutions_lib.data import catalogue
from solutions_lib.grading import assignments

NAMES = ["a", "b", "c"]


def test_deal_is_balanced_reproducible_and_keeps_earlier_choices():
    students = [f"s{i:02d}" for i in range(20)]
    table = assign.deal(students, NAMES, {}, seed=3)
    counts = Counter(table.values())
    assert max(counts.values()) - min(counts.values()) <= 1 and set(counts) == set(NAMES)
    assert assign.deal(students, NAMES, {}, seed=3) == table
    assert assign.deal(students, NAMES, {}, seed=4) != table
    later = assign.deal(students + ["late"], NAMES, table, seed=3)
    assert all(later[s] == table[s] for s in students)


def test_roster_and_table_files(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,student_id\nAda,ada\nBo,bo\nAda again,ada\n")
    assert assign.read_roster(roster) == ["ada", "bo"]
    (tmp_path / "bad.csv").write_text("name\nAda\n")
    with pytest.raises(ValueError, match="student_id"):
        assign.read_roster(tmp_path / "bad.csv")
    out = tmp_path / "assignments.csv"
    assignments.write_table(out, assign.deal(["ada", "bo"], catalogue.dataset_names(), {}))
    assert set(assignments.read_table(out)) == {"ada", "bo"}
    assert assignments.read_table(tmp_path / "none.csv") == {}


def test_the_choice_and_its_note():
    table = {"ada": "cl_j0815"}
    assert assignments.choose(table, "ada", "cl_j0815", "cl_j0142").note == ""
    assert "You were assigned cl_j0815" in assignments.choose(table, "ada", "cl_j0142", "cl_j0142").note
    fallback = assignments.choose(table, "bo", None, "cl_j0142")
    assert fallback.fallback and fallback.assigned == "cl_j0142" and "no assigned" in fallback.note


def test_only_data_sets_with_reference_answers_are_dealt():
    names, missing = assign.gradable_datasets()
    assert names and set(names) | set(missing) == set(catalogue.dataset_names())
    from solutions_lib.grading.reference import reference_answers
    assert set(names) <= set(reference_answers()["datasets"])
