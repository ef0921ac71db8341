"""Layer 2, the inference engine: model, likelihood, priors, sampler, diagnostics.

* `model`: expected counts per pixel (one or two beta components);
* `likelihood` (with the `fastmath` kernels): the Poisson log-likelihood;
* `priors`, `flux`: priors (bounds in the data's own scale) and the sampler's coordinates;
* `optimize`, `starts`, `fisher`: posterior mode, Laplace starts, Fisher errors;
* `sampler` and `moves`: the emcee ensemble and its snooker move;
* `selfcheck`: what a finished fit checks on itself (prior walls, degenerate components,
  the double maximum against the single one);
* `fitting`: the public `fit_single` / `fit_double` with their convergence loop;
* `dic`: chain validation and the deviance information criterion;
* `synthetic`: observations drawn exactly from `model` (tests, validation).

Imports the data layer only.
"""
