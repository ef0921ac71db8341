"""Simulated Chandra ACIS observations of galaxy clusters with known truth.

`simulate` draws one observation (counts image, exposure map, truth);
`fitsio.write_observation` writes it as the course's FITS files plus the
hidden truth and reference mask. Numerics never touch the disk.
"""
from .simulate import Observation, simulate

__all__ = ["Observation", "simulate"]
