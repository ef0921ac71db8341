"""``google.colab.output`` with Colab's real ``_widgets.py``, loaded from its file.

The file comes from the colabtools checkout named by ``COLAB_TOOLS`` (default
``<repository>/../shared/colabtools``), unchanged; it imports only IPython.
"""

import importlib.util
import os
import sys
from pathlib import Path

_DEFAULT_TOOLS = Path(__file__).resolve().parents[5] / ".." / "shared" / "colabtools"
_WIDGETS_FILE = (Path(os.environ.get("COLAB_TOOLS", _DEFAULT_TOOLS))
                 / "google" / "colab" / "output" / "_widgets.py")


def _load_widgets():
    if not _WIDGETS_FILE.is_file():
        raise ImportError(f"Colab's google/colab/output/_widgets.py is not at {_WIDGETS_FILE} "
                          "(set COLAB_TOOLS to a colabtools checkout)")
    spec = importlib.util.spec_from_file_location(f"{__name__}._widgets", _WIDGETS_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_widgets = _load_widgets()
enable_custom_widget_manager = _widgets.enable_custom_widget_manager
disable_custom_widget_manager = _widgets.disable_custom_widget_manager

__all__ = ["enable_custom_widget_manager", "disable_custom_widget_manager"]
