"""Layer 4, the course tools behind ``python -m solutions_lib``.

* `release`: generate the student release, autograde the reference demo;
* `assign`: give each student a data set;
* `autograde`: grade a whole class in parallel, sandboxed and resumable;
* `report`: the class report (HTML page and CSV tables);
* `reference_cli`: the ``fit`` and ``reference`` commands;
* `datasets_cli`: the ``datasets`` command (build and summarise the data sets).

May import every lower layer: data, engine, grading.
"""
