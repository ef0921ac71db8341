"""Sky viewer package (being split; see viewer.py)."""
from .viewer import *  # noqa: F401,F403
from .viewer import COLORS, Shape, box_vertices, skip_reason  # noqa: F401
