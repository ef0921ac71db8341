"""Test-only ``google.colab`` (see ../../README.md): what the course notebook uses of Colab.

Importing it imports ``output`` and ``drive``, as the real package does, so that
``"google.colab.output" in sys.modules`` (anywidget's test for Colab) holds as in Colab.
"""

from google.colab import drive, output

__all__ = ["drive", "output"]
