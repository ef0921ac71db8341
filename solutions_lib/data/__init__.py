"""Layer 1, the data: what was observed, and which pixels to trust.

* `observation`: read an observation, pixel index arrays, flatten the good pixels;
* `masks`: DS9 region masks and the low-exposure mask;
* `profile`: the beta profile, shared by the simulator and the engine's model;
* `catalogue`: the course data sets (their seeds, truths and reference masks,
  kept in ``clusters/<name>/``);
* `mock`: the Chandra ACIS simulator that made them;
* `errors`: the exceptions raised on unusable files, regions and masks.

Nothing here imports the engine, grading or course layers.
"""
