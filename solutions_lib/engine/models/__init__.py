"""The models the course fits, one object each, and their lookup by name.

Each model is one subclass of `Model` with one instance: `SINGLE`
(`SingleBeta`, the notebook's paramnames) and `DOUBLE` (`DoubleBeta`,
paramnames2). The engine, the grader and the report ask the model object
for what depends on the model (parameters, prior, coordinates, starts,
order of components, notebook variables); names ("single", "double") are
only read and written at the edges: files, answer keys, the command line.
A new model is a new subclass, added to `MODELS`.
"""
from __future__ import annotations

from .base import Model
from .double import DOUBLE, DoubleBeta
from .single import SINGLE, SingleBeta

MODELS: dict[str, Model] = {model.name: model for model in (SINGLE, DOUBLE)}

__all__ = ["DOUBLE", "MODELS", "SINGLE", "DoubleBeta", "Model", "SingleBeta", "model_named"]


def model_named(name: str) -> Model:
    """The model called ``name`` in files and answer keys.

    Parameters
    ----------
    name : str
        A key of `MODELS` ("single", "double").

    Returns
    -------
    Model

    Raises
    ------
    ValueError
        If no model has that name.
    """
    try:
        return MODELS[name]
    except (KeyError, TypeError):
        raise ValueError(f"model must be one of {', '.join(map(repr, MODELS))}, not {name!r}") from None
