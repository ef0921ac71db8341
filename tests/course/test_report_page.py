"""The class report page shows the students' and the gradebook's text as text, never as markup."""
from html.parser import HTMLParser

import pytest

from solutions_lib.course.report import page
from solutions_lib.course.report.collect import CellSummary, ClassData, DatasetRow, StudentRow, normalise_message

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>&amp; ünï'


class Elements(HTMLParser):
    """The elements of a page (tag, attributes) and its text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements, self.chunks = [], []
        self.feed(html)
        self.close()
        self.text = "".join(self.chunks)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.chunks.append(data)


@pytest.fixture(scope="module")
def hostile_page():
    """The page for one student, cell and data set whose every text is hostile (one figure drawn, two missing)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(page, "comparison_figure", lambda data: b"\x89PNG")
        patch.setattr(page, "cells_figure", lambda data: None)
        patch.setattr(page, "scores_figure", lambda data: None)
        cell = CellSummary(f"cell{HOSTILE}", 2.0, "auto", scores=[0.0], judged=1)
        cell.add_failure(f"reason{HOSTILE}", f"message{HOSTILE}")
        student = StudentRow(student=f"id{HOSTILE}", assigned=f"set{HOSTILE}", notebook_dataset=f"nb{HOSTILE}",
                             fallback=False, scores={cell.grade_id: 0.0}, total=0.0, max_total=2.0, run_s=None,
                             caps=[], stop=f"stop{HOSTILE}", missing=[],
                             hand_checks={f"flag{HOSTILE}": [cell.grade_id]})
        truth = {"beta": 0.7, "rc": 10.0, "n_components": 1, "core": f"core{HOSTILE}"}
        data = ClassData(f"assignment{HOSTILE}", [cell], [student], [DatasetRow(f"set{HOSTILE}", [], None, truth)])
        return page.render(data, [f"file{HOSTILE}.csv"])


def test_hostile_text_adds_no_markup(hostile_page):
    assert "<script" not in hostile_page.lower() and "<img src=x" not in hostile_page
    elements = Elements(hostile_page).elements
    assert not any(tag == "script" or any(name.startswith("on") for name in attrs) for tag, attrs in elements)
    assert [attrs["src"] for tag, attrs in elements if tag == "img"] == ["data:image/png;base64,iVBORw=="]


@pytest.mark.parametrize("shown", ["assignment", "id", "set", "cell", "reason", "core", "nb", "stop", "flag", "file"])
def test_hostile_text_is_shown_as_written(hostile_page, shown):
    assert f"{shown}{HOSTILE}" in Elements(hostile_page).text


def test_failure_examples_are_shown_as_text(hostile_page):
    assert f"1× reason{HOSTILE}: {normalise_message(f'message{HOSTILE}')}" in Elements(hostile_page).text


def test_csv_links_keep_their_names(hostile_page):
    links = [attrs["href"] for tag, attrs in Elements(hostile_page).elements if tag == "a"]
    assert links == [f"file{HOSTILE}.csv", "#comparison", "#cells", "#students"]


def test_page_has_its_sections_and_numeric_columns(hostile_page):
    elements = Elements(hostile_page).elements
    assert [attrs.get("id") for tag, attrs in elements if tag == "h2"] == ["comparison", "cells", "students"]
    assert [tag for tag, attrs in elements].count("table") == 3
    assert sum(tag == "td" and attrs.get("class") == "num" for tag, attrs in elements) == 7 + 2 + 4
    assert hostile_page.startswith("<!DOCTYPE html>") and hostile_page.rstrip().endswith("</body></html>")
