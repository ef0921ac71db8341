"""Layer 3, grading: run a submission in a sandbox and judge its answers outside it.

The notebook's hidden test cells only hand answers in (`kernel_side.xray_handin`,
the one file mounted into the sandbox); verdicts are decided afterwards, in
the grader's own process, from those files alone:

* `sandbox`, `kernel`, `workspace`: the bubblewrap sandbox, the kernel
  started inside it and the folders of one run;
* `handins`, `cells`: what each graded cell hands in, read from the source
  notebook and nbgrader's cell metadata;
* `answers`: reading the handed-in ``.npz`` files safely;
* `checks`, `reference`: the checks per answer and the stored reference
  answers they compare with; `verdicts` applies them to one cell;
* `preprocessors`: the nbgrader preprocessors named in ``nbgrader_config.py``;
* `records`, `assignments`, `regrade`, `feedback_folder`: run records and
  the gradebook, who has which data set, re-judging saved answers, and
  pruning feedback folders.

Imports the data and engine layers, never the course tools.
"""
