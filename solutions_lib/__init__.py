"""Hidden reference engine and instructor tools of the X-ray image tutorial.

Students never receive this package, and their code must never reach it:
the solution cells use only the student environment
(``tests/notebook/test_notebook_source.py`` keeps ``solutions_lib`` out of every
cell), and the notebook runs in a grading sandbox that hides it. Only the
small hand-in module in `grading.kernel_side` is mounted into the sandbox.

Four layers, each importing only the ones before it
(``tests/test_layers.py`` holds them to it):

1. `data`: observations, masks, the beta profile, the catalogue of course
   data sets and the simulator that made them;
2. `engine`: model, likelihood, priors, optimiser, sampler, fitting and DIC;
3. `grading`: the sandboxed autograder, its hidden checks and the stored
   reference answers;
4. `course`: the instructor's tools (release, assign, class autograde,
   report, command-line front ends), dispatched by ``python -m solutions_lib``.

Import what you need from its module (e.g. `solutions_lib.data.observation`).
"""
