"""Offline sky viewer for drawing mask regions on an X-ray image in Jupyter.

Usage in a notebook cell::

    from skyviewer import SkyViewer
    viewer = SkyViewer("data/image.fits", height=600)
    viewer                                  # shows the map and the tools

Pick a tool and click on the map: *circle* and *box* place a shape with the
sizes in the size fields (arcsec; degrees for the box angle). Typing a size
never changes a shape already placed: to resize one, pick it with *select*
(it turns yellow and the fields show its sizes), type the new size, then
*deselect* (or press Escape, or pick a drawing tool again). *undo*, *delete*
and *clear* do what they say. Scroll to zoom, drag to pan; the map starts
zoomed to the detector chips in use, never below one screen pixel per image
pixel. The read-only box under the map holds the DS9 region text (ICRS,
degrees) that you copy into ``region_string``; ``viewer.region_string()``
returns the same text and ``viewer.load_regions(text_or_path)`` loads
regions back for editing.

Layout: :mod:`.shapes` and :mod:`.ds9` (a shape, and DS9 text through the
``regions`` package, read strictly by :mod:`.ds9_lines`), :mod:`.editor` (the region list, selection and undo),
:mod:`.widget` (the anywidget; front end in ``static/``), :mod:`.viewer`
(the two wired together) and :mod:`.utils` (image reading, when to skip).

The map is Aladin Lite (LGPL-3.0-or-later, https://aladin.cds.unistra.fr),
bundled in ``static/`` so that nothing is fetched from the network; each
view asks the kernel for it and for the image once it is on the page (see
:mod:`.widget`). It works in JupyterLab 4, Notebook 7 and Google Colab
(anywidget turns on Colab's custom widget manager; if no viewer appears, run
``from google.colab import output; output.enable_custom_widget_manager()``).
It needs WebGL2.

Under nbgrader (``NBGRADER_EXECUTION``), with ``SKYVIEWER_DISABLE=1``,
outside a Jupyter kernel, and in headless runs (nbclient, nbconvert,
papermill) ``SkyViewer(...)`` prints one line and shows nothing; anywidget
is not even imported. ``SKYVIEWER_FORCE=1`` shows it in a headless kernel.
"""

from .ds9 import read_ds9, write_ds9
from .editor import RegionEditor
from .shapes import Shape, Sizes
from .utils.environment import skip_reason
from .viewer import SkyViewer, show_viewer

__all__ = ["SkyViewer", "show_viewer", "skip_reason", "RegionEditor", "Shape", "Sizes",
           "read_ds9", "write_ds9"]
