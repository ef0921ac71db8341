"""Simulated Chandra ACIS observations of galaxy clusters with known truth.

`simulate` draws one observation (counts image, exposure map, truth) from an
`ObservationPlan`;
`fitsio.write_observation` writes it as the course's FITS files plus the
hidden truth and reference mask. Numerics never touch the disk.
"""
from .simulate import ObservationPlan, SimulatedObservation, simulate

__all__ = ["ObservationPlan", "SimulatedObservation", "simulate"]
