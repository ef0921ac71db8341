"""Helpers of the sky viewer that are neither the region model nor the widget."""
