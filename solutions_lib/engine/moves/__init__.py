"""Ensemble moves for emcee, one per module (emcee's own layout).

`SnookerMove` is a differential-evolution snooker update with the geometry
and the Metropolis-Hastings factor of ter Braak & Vrugt (2008); emcee 3.1.6's
``DESnookerMove`` gets both wrong and does not sample its target.
"""
from .snooker import SnookerMove

__all__ = ["SnookerMove"]
