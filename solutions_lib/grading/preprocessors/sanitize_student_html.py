"""Student HTML made harmless before formgrader or the feedback page shows it."""
from __future__ import annotations

import re

import bleach
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_locked
from traitlets import List, Unicode

# Ordinary markdown and tables render to these; nothing that runs, loads or submits.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "samp", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "img": ["src", "alt", "title", "width", "height"],
                      "td": ["colspan", "rowspan", "align"], "th": ["colspan", "rowspan", "align"],
                      "*": ["class"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "attachment"})
SCRIPT_SCHEME = re.compile(r"(javascript|vbscript|data)(\s*):", re.I)
HTML_LIKE = re.compile(r"<[A-Za-z!/?]|&#|" + SCRIPT_SCHEME.pattern, re.I)


def clean_html(text: str) -> str:
    """``text`` with every tag, attribute and link scheme outside the allow-lists escaped (bleach).

    Parameters
    ----------
    text : str
        HTML, or markdown holding HTML.

    Returns
    -------
    str
        The cleaned text; script link schemes are renamed
        (``javascript-blocked:``) so that they no longer run.
    """
    cleaned = bleach.clean(text, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS)
    # Also markdown's own [text](javascript:...) links; an entity would not do, markdown decodes it in URLs.
    return SCRIPT_SCHEME.sub(r"\1-blocked\2:", cleaned)


def clean_markdown(source: str) -> str:
    """A student's markdown, unchanged unless it holds HTML or a script link, which are then cleaned.

    Markdown and maths without HTML pass untouched (cleaning would escape
    the ``>`` of a quote or the ``&`` of an aligned equation).

    Parameters
    ----------
    source : str
        The markdown.

    Returns
    -------
    str
        ``source`` itself, or cleaned by `clean_html`.
    """
    return clean_html(source) if HTML_LIKE.search(source) else source


class SanitizeStudentHtml(NbGraderPreprocessor):
    """Clean what a student wrote before nbconvert renders it for the instructor or the student.

    Formgrader shows graded notebooks in the instructor's logged-in
    session, and the feedback page goes to students: a script in either
    runs with the viewer's rights. Unlocked markdown cells (the student's
    own text) and the HTML and markdown outputs of every cell are cleaned
    with `bleach` to an allow-list of tags, attributes and link schemes;
    outputs of the types in ``dropped_mimetypes`` (scripts, SVG, which can
    carry scripts, LaTeX, which MathJax can turn into links) are removed
    when a plain-text form remains, and replaced by a note otherwise.
    Locked cells are the instructor's and are left as they are.
    """

    dropped_mimetypes = List(
        Unicode(), default_value=["application/javascript", "text/javascript", "image/svg+xml", "text/latex",
                                  "application/vnd.jupyter.widget-view+json"],
        help="Output types removed from graded notebooks (their text/plain form is kept).").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        """Clean an unlocked markdown cell's source, or a code cell's rich outputs.

        Parameters
        ----------
        cell : nbformat.NotebookNode
            One cell of the graded notebook.
        resources : dict
            nbgrader's resources.
        index : int
            The cell's index in the notebook.

        Returns
        -------
        cell : nbformat.NotebookNode
        resources : dict
        """
        if cell.cell_type == "markdown" and not is_locked(cell):
            cell.source = clean_markdown(cell.source)
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if "data" in output:
                    output["data"] = self._clean_data(output["data"])
        return cell, resources

    def _clean_data(self, data: dict) -> dict:
        kept = {kind: value for kind, value in data.items() if kind not in self.dropped_mimetypes}
        for kind, clean in (("text/html", clean_html), ("text/markdown", clean_markdown)):
            if kind in kept:
                text = kept[kind] if isinstance(kept[kind], str) else "".join(kept[kind])
                kept[kind] = clean(text)
        if not kept:
            kept["text/plain"] = "[output removed by the autograder: a type it does not show]"
        return kept
