"""Layer 2, the inference engine: model, likelihood, priors, sampler, diagnostics.

* `model`: expected counts per pixel (one or two beta components);
* `models`: one object per model fitted (`models.SINGLE`, `models.DOUBLE`): its parameters,
  prior, sampler coordinates, starts and order of components;
* `likelihood` (with the `fastmath` kernels): the Poisson log-likelihood;
* `priors`, `flux`: the prior's bounds in the data's own scale, aperture fluxes;
* `optimize`, `fisher`: posterior mode and Laplace covariance, Fisher errors;
* `convergence`: the notebook's R and n_eff, for the fits and the grader;
* `sampler` and `moves`: the emcee ensemble and its snooker move;
* `selfcheck`: what a finished fit checks on itself (prior walls, degenerate components,
  the double maximum against the single one);
* `fitting`: the public `fit_single` / `fit_double` with their convergence loop;
* `dic`: chain validation and the deviance information criterion;
* `synthetic`: observations drawn exactly from `model` (tests, validation).

Imports the data layer only.
"""
