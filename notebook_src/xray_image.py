# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Weighing the light of a galaxy cluster: Bayesian fits to a Chandra X-ray image
#
# Galaxy clusters are the largest gravitationally bound objects in the Universe. Most of their
# ordinary matter is not in galaxies but in a diffuse gas at tens of millions of kelvin, which
# shines in X-rays. How the brightness of that gas falls off with distance from the centre tells
# us how the gas is arranged, and in particular whether the cluster has a dense, bright core.
#
# ## What you will learn
#
# * What an X-ray counts image and its exposure map are, and how to read them with `astropy`.
# * How to hide the parts of an image that your model does not describe, by drawing regions on
#   the sky.
# * How to turn a masked image into compact arrays that make a likelihood fast, and how to
#   compile Python functions with `numba`.
# * How to write down a Poisson model for every pixel of an image, sample its posterior, and
#   check that the samples can be trusted.
# * How to compare two models of the same data with the deviance information criterion (DIC).
#
# ## What you will do
#
# You get your own (simulated but realistic) Chandra observation of a cluster. You will
#
# 1. look at the image and the exposure map and learn what is in them;
# 2. mask point sources and unused detector chips in an interactive sky viewer;
# 3. fit a *beta model* of the cluster plus a flat background, with MCMC;
# 4. fit a second model with two beta components, one of them for a compact core;
# 5. decide, with the DIC, which model your data prefer, and share the answer with the class.
#
# **Time.** About three hours of reading, coding and thinking. Most cells run in seconds; the
# two sampling cells take half a minute to a few minutes each. Solutions that follow the hints
# ran top to bottom in 1 to 6 minutes on two cores on the course's data sets; with a slower
# sampler, or chains run longer than they need, expect two or three times that.
#
# **How this notebook is graded.** Cells that need your work say **Your turn**. Each graded
# answer is followed by a test cell. When a test fails, its message tells you what to look at;
# some tests also run hidden checks when the notebook is graded. Four written answers (the
# generative model and three reflections) are graded by hand.
#
# **Grading runs your notebook again.** The grader restarts the kernel and runs every cell from
# the top, and all marks, automatic and by hand, come from that run, not from the outputs saved
# in your file. So the notebook must run top to bottom without your help, and every random
# number must be seeded: otherwise the run that is graded gives other chains, other medians and
# another DIC than the ones you quote in your written answers. Section 6 shows how to seed.

# %% [markdown]
# ## 1. Set-up
#
# We use `astropy` for FITS files and sky coordinates, `regions` to read region lists,
# `numba` to compile functions, `incredible` for MCMC diagnostics and `pygtc` for triangle
# plots. In Google Colab the next cell installs the packages that Colab does not have and turns
# on Colab's widget manager for the sky viewer (elsewhere it does nothing).

# %% nbgrader={"grade": false, "grade_id": "colab_setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import sys

IN_COLAB = "google.colab" in sys.modules
if IN_COLAB:
    from importlib.metadata import version

    from google.colab import output

    # What Colab may lack, each at least the oldest version with what this notebook uses. Colab's
    # own numpy, scipy, numba, astropy, matplotlib, pyyaml and ipywidgets stay as they are: pip
    # would otherwise replace packages the running kernel may already have loaded.
    #   regions 0.9       Regions.parse and serialize of DS9 text, on NumPy 2 (Colab's NumPy)
    #   emcee 3.0         EnsembleSampler(..., moves=...), emcee.moves.DEMove, get_chain (section 6)
    #   incredible 0.3.1  effective_samples(..., throw=True)
    #   pygtc 0.5         plotGTC on matplotlib 3.8 and later (0.4.1 calls an axis method they lack)
    #   anywidget 0.9     the sky viewer's front end, an ES module with a default export
    colab_packages = {"regions": "0.9", "emcee": "3.0", "incredible": "0.3.1", "pygtc": "0.5",
                      "anywidget": "0.9"}
    get_ipython().run_line_magic(  # noqa: F821 (get_ipython exists inside IPython)
        "pip", "install --quiet " + " ".join(f'"{name}>={low}"' for name, low in colab_packages.items())
    )
    # anywidget turns Colab's custom widget manager on when it makes a widget; turning it on here
    # too (doing it twice is harmless) lets the sky viewer show whichever anywidget pip kept.
    output.enable_custom_widget_manager()
    print("Packages installed or kept:", ", ".join(f"{name} {version(name)}" for name in colab_packages))
    print("Colab's custom widget manager is on (the sky viewer needs it).")

# %% nbgrader={"grade": false, "grade_id": "imports", "locked": true, "schema_version": 3, "solution": false, "task": false}
import os
import warnings

import incredible as cr
import matplotlib.pyplot as plt
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning
from astropy.visualization import ImageNormalize, LogStretch
from numba import njit
from pygtc import plotGTC
from regions import Regions
from yaml import safe_dump

plt.rcParams["figure.dpi"] = 90
warnings.simplefilter("ignore", FITSFixedWarning)  # astropy's notes on harmless header fixes

IMAGE_FILE = "image_0.6-2.0keV.fits.gz"  # counts, 0.6 to 2.0 keV
EXPMAP_FILE = "expmap_1.25kev.fits.gz"  # exposure map at 1.25 keV


def show_image(ax, image, title, label, **imshow_options):
    """Draw a 2-D array with row 0 at the bottom, pixel axes and a labelled colour bar."""
    shown = ax.imshow(image, origin="lower", **imshow_options)
    ax.figure.colorbar(shown, ax=ax, label=label, shrink=0.85)
    ax.set_title(title)
    ax.set_xlabel("x (image pixel)")
    ax.set_ylabel("y (image pixel)")
    return shown


# %% [markdown]
# ### Your turn: set your data set
#
# Every student analyses a different cluster. Replace the name below by the one you were given
# (for example `"cl_j0815"`); leave it as it is if you were not given one. All the cells below
# read your data through `datapath`.
#
# * **On your own computer or a course server**, the data sets live in the folder `data/`
#   next to this notebook, one sub-folder per data set.
# * **In Google Colab**, first copy the whole course folder (this notebook, the folders
#   `skyviewer/` and `data/`) to a folder `xray_image` at the top of your Google Drive,
#   so that your files sit in `MyDrive/xray_image/data/<your data set>/`. The next cell asks for
#   permission to mount your Drive and reads from there.

# %%
dataset_name = "cl_j0142"

# %% nbgrader={"grade": false, "grade_id": "datapath", "locked": true, "schema_version": 3, "solution": false, "task": false}
if IN_COLAB:
    from google.colab import drive

    drive_folder = os.path.abspath("drive")  # /content/drive: Colab starts notebooks in /content
    drive.mount(drive_folder)
    course_folder = os.path.join(drive_folder, "MyDrive", "xray_image", "")
    sys.path.insert(0, course_folder)  # so that `import skyviewer` finds the course's copy
else:
    course_folder = ""
datapath = f"{course_folder}data/{dataset_name}/"

if not os.path.isfile(datapath + IMAGE_FILE):
    known = sorted(os.listdir(course_folder + "data")) if os.path.isdir(course_folder + "data") else []
    raise FileNotFoundError(f"No {IMAGE_FILE} in {datapath!r}. Data sets found: {known or 'none'}.")
print("Data are read from", datapath)

# %% [markdown]
# ## 2. The data: a counts image and an exposure map
#
# ### Counting photons
#
# Chandra's ACIS camera is a set of CCD chips, close cousins of the sensor in a phone camera.
# The difference is that X-ray photons are few and energetic. The chips are read out every few
# seconds, and in that time a pixel almost never sees more than one photon. Each photon frees a
# cloud of electrons whose size grows with the photon's energy, so every detected photon (an
# *event*) comes with a position, a time and an energy: the camera is a spectrometer as well.
#
# Your image was made from such an event list: keep the events with energies between 0.6 and
# 2.0 keV, then count how many fall into each image pixel. To keep the arrays small, one image
# pixel is a block of 4 x 4 detector pixels (about 2 arcseconds on a side). The image therefore
# holds small **integers**, and most of its pixels hold 0 or 1. From now on "pixel" means an
# image pixel.

# %% [markdown]
# ### The exposure map
#
# Counts alone do not tell us how bright the sky is: we also need to know how sensitive the
# telescope was at each pixel. That is what the **exposure map** records. It combines
#
# * the **effective area** of mirrors plus detector for photons of about 1.25 keV, a few hundred
#   cm$^2$;
# * **vignetting**: the mirrors collect less light from directions away from the optical axis;
# * the **efficiency of each part of the detector**, which is lower (or zero) along bad columns
#   and in the gaps between chips. Those edges are blurred because the pointing *dithers*, i.e.
#   moves in a slow pattern during the observation, so each sky pixel is seen by several
#   detector pixels.
#
# The map is in cm$^2$ and leaves out how long the telescope looked. Multiplied by the exposure
# time (in seconds, stored as `EXPOSURE` in the image header) it becomes cm$^2$ s. A model of the
# sky in counts s$^{-1}$ cm$^{-2}$ per pixel times this map is then an expected number of counts,
# which is exactly what we need to compare with the image.

# %% [markdown]
# Both files are FITS images. `fits.open` returns a list of header-data units (HDUs); ours have
# a single one each.

# %%
imfits = fits.open(datapath + IMAGE_FILE)
exfits = fits.open(datapath + EXPMAP_FILE)
imfits.info()
exfits.info()

# %% [markdown]
# The counts are stored as integers and the exposure as floating-point numbers. (The `>` in the
# dtypes below means big-endian, the byte order FITS uses; numpy deals with it for us.) We scale
# the exposure map by the exposure time straight away.

# %%
exposure_time = imfits[0].header["EXPOSURE"]  # seconds
im = imfits[0].data
ex = exfits[0].data * exposure_time  # cm^2 -> cm^2 s
print(f"counts image: shape {im.shape}, dtype {im.dtype}, {im.sum()} counts in total")
print(f"exposure map: shape {ex.shape}, dtype {ex.dtype}, max {ex.max():.3g} cm^2 s")
print(f"exposure time: {exposure_time / 1000:.1f} ks")

# %% [markdown]
# Cluster brightness spans orders of magnitude, so we show the counts with a logarithmic stretch
# (`astropy.visualization.LogStretch`). The exposure map changes slowly, so a linear scale suits
# it better.

# %%
counts_norm = ImageNormalize(vmin=0.0, vmax=max(1.0, np.percentile(im, 99.95)), stretch=LogStretch())

fig, axes = plt.subplots(1, 2, figsize=(14, 6))
show_image(axes[0], im, "Counts, 0.6-2.0 keV (log stretch)", "counts per pixel",
           cmap="magma", norm=counts_norm)
show_image(axes[1], ex, "Exposure map x exposure time", "exposure (cm$^2$ s)", cmap="gray")
fig.tight_layout()

# %% [markdown]
# ### What is in the picture
#
# In the counts image:
#
# * the **cluster**, the large diffuse glow;
# * **point sources**, mostly active galactic nuclei far behind the cluster. The telescope blurs
#   each of them into a spot (its point spread function, PSF), and the spot gets larger and
#   fainter the further it lies from the optical axis;
# * a nearly flat **background**. Part of it is faint unresolved sources and X-rays from our own
#   Galaxy, but most of it, after bright sources are removed, comes from charged particles
#   (cosmic rays, solar protons) striking the CCDs;
# * sometimes a faint **streak** along one chip column through a very bright core: photons that
#   arrived while the chip was being read out. It is an artefact, not structure in the sky.
#
# In the exposure map:
#
# * the **chips** (squares), with soft-edged **gaps** between them and a few **bad columns**;
# * a gentle fall-off away from the optical axis: **vignetting**;
# * possibly one or two **extra chips** away from the main group, which we will not use.
#
# The chip gaps and bad columns also show up in the counts image. Vignetting is harder to see
# there, since the particle background is not focused by the mirrors and so is not vignetted.
# Your image differs in the details, but these features should all be recognisable.

# %% [markdown]
# ### Rows, columns, x and y
#
# A numpy image is indexed `im[row, column]`, that is `im[y, x]`: the vertical position comes
# first. FITS files also store the bottom row first, which is why every `imshow` here uses
# `origin="lower"`. To avoid slips, we store the x and y index of every pixel in two arrays of
# the image's shape, and keep everything in one dictionary, `data`.

# %%
ny, nx = im.shape
data = {"im": im, "ex": ex}
data["imx"], data["imy"] = np.meshgrid(np.arange(nx), np.arange(ny))

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
for ax, key in zip(axes, ("imx", "imy")):
    show_image(ax, data[key], f'data["{key}"]', "pixel index", cmap="viridis")
fig.tight_layout()
print("imx:", data["imx"].min(), "to", data["imx"].max(), "   imy:", data["imy"].min(), "to", data["imy"].max())

# %% [markdown]
# Now the distance of every pixel from a point $(x_0, y_0)$ is one line,
# `np.hypot(data["imx"] - x0, data["imy"] - y0)`, with no index order to remember.

# %% [markdown]
# ## 3. Masking what the model does not describe
#
# Our model will describe two things: the cluster and a flat background. Everything else must
# be kept out of the fit. Modelling every point source would need the PSF at each position,
# which is complicated and tells us nothing about the cluster, so we simply **mask** (ignore) the
# pixels they touch. We also mask chips we do not want, and pixels with too little exposure.
#
# Automatic source detection exists, but it needs a good PSF model and still makes mistakes.
# Here you will mark the sources by eye.
#
# ### Your turn: draw your mask
#
# Run the next cell. It shows your image in a sky viewer (Aladin Lite, running inside the
# notebook). It starts zoomed to the chips in use, with each image pixel at least one screen
# pixel so that faint sources show. Scroll to zoom, drag to pan; the sky coordinates under the
# cursor are shown on the map.
#
# * **Circles for point sources.** Pick *Circle*, type a radius (in arcseconds) in the size
#   fields and click on each clear source. The telescope's blur grows quickly away from the
#   aimpoint (near the cluster), roughly as the square of the off-axis angle, so a circle that
#   holds a source needs a radius of about 4" near the aimpoint, 10" at 6 arcmin, 17" at 9 arcmin
#   and 25-30" at 12 arcmin (one pixel is 1.97"). Never mask the centre of the cluster.
# * **How many sources?** Mask every source you can see clearly as a compact blob of bright
#   pixels standing out from the background. The grader looks only at the unmistakable ones
#   (40 counts or more: between 2 and 9 sources in the course's images, the brightest blobs you
#   see) and asks that the centres of at least 8 in 10 of them lie inside your circles; fainter
#   sources count neither for nor against you. Do not hunt for every bump: the background has
#   random bumps too, and masking them only throws data away. The grader also checks that your
#   regions leave the cluster's centre free, remove at most 30% of the chips you keep and at
#   most half of any one of them, and cover most of the chips you should not use.
# * **Boxes only where needed.** Many images need no box at all. A box covers a chip you do not
#   want or a readout streak: pick *Box*, type its width, height and rotation angle, and click to
#   place it.
#   * If four chips form a **2 x 2 square** (the ACIS-I layout), cover any chip outside the
#     square; with no chip outside it, you need no box for chips.
#   * If the chips form a **row** (ACIS-S), keep only two of them: the chip with the cluster on
#     it and the one of the same kind (two chips further along the row). Tell them apart by the
#     **counts per pixel far from the cluster**, that is by their background, not by the exposure
#     map (whose differences between chips are small and easily misread in a colour scale):
#     the two chips to keep have clearly more background counts per pixel than the others. Why
#     those two: they are the same type of CCD and share one flat background level, which is
#     what the model's single $B$ describes; a chip with a different background would need a
#     second $B$. To measure it, average `im` over a patch of a chip away from the cluster and
#     from bright sources, for example `im[100:150, 300:350].mean()`, and compare the chips.
#     Cover the other chips with boxes (it is fine if a box also covers a chip gap). Do not be
#     surprised later: the exposure cut of the next step removes a large part of the second chip
#     you keep (up to three quarters of it), because it lies far off axis, where the telescope's
#     vignetting lowers the exposure below half of its peak. That is expected; do not box it.
#   * If your image has a readout streak (a thin bright line through a bright source), cover it
#     with a thin box.
# * **The size fields are for the next shape.** Typing a size never changes a shape already
#   placed. To resize one, pick *Select* and click on the shape: it turns yellow, a yellow frame
#   round the size fields names it, and what you type now changes that shape. *Deselect* (or Esc,
#   or picking *Circle* or *Box* again) ends the editing.
# * **Undo**, **Delete selected** and **Clear all** fix mistakes.
# * The read-only box under the map lists your regions in DS9 format and updates as you draw.
#   Copy all of it (the *Copy* button, or select it and press Ctrl+C) into `region_string` in
#   the cell after the viewer. To continue editing later, run `viewer.load_regions(region_string)`.
#
# Gaps and bad columns need no boxes: the exposure cut below removes them.
#
# **Without the viewer.** The map needs a browser with WebGL2; it shows nothing when the notebook
# runs without a browser (on a server, or converted to a script), and it cannot be used with a
# screen reader. Any list of DS9 regions in sky coordinates (`fk5`, `j2000` or `icrs`) works in
# `region_string`, so you can also:
#
# * draw the regions in SAOImage DS9 on the same image file and save them in `fk5` coordinates,
#   then paste the text of the saved file;
# * or find the sources' pixel positions yourself (for example with `plt.imshow(im)` and the
#   cursor read-out, or by listing the brightest pixels of `im`) and convert them with the
#   image's WCS, here for two sources at 0-based pixels (412, 388) and (590, 211):
#
#   ```python
#   import astropy.units as u
#   from regions import CircleSkyRegion, Regions
#
#   centres = WCS(imfits[0].header).celestial.pixel_to_world([412, 590], [388, 211])
#   print(Regions([CircleSkyRegion(c, 12 * u.arcsec) for c in centres]).serialize(format="ds9"))
#   ```
#
#   A box is easiest to place in pixels and convert with the same WCS:
#   `RectanglePixelRegion(PixCoord(x, y), width=w, height=h, angle=a * u.deg).to_sky(wcs)`, with
#   the centre, width and height in pixels and the angle measured anticlockwise from the image's
#   x axis (`from regions import PixCoord, RectanglePixelRegion`). A `RectangleSkyRegion` works
#   too, but its angle is counted from the direction of right ascension, which on most images is
#   not the x axis.

# %%
from skyviewer import SkyViewer

viewer = SkyViewer(datapath + IMAGE_FILE, height=600)
viewer

# %% nbgrader={"grade": false, "grade_id": "region_string", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Paste the region list from the viewer between the triple quotes. It looks like this:
# region_string = """
# # Region file format: DS9
# fk5
# circle(38.640411,+18.291048,17.74")
# box(38.801234,+18.350000,500.0",500.0",27.5)
# """
### BEGIN SOLUTION
# My mask for cl_j0142, drawn in the sky viewer: circles on the 30 clear point sources (larger
# ones far from the centre, where the PSF is broader). The four ACIS-I chips form a square and
# there is no readout streak, so no boxes are needed; the exposure cut removes the chip gaps.
region_string = """
# Region file format: DS9 version 4.1
global color=green width=1
fk5
circle(38.640411,+18.291048,17.74")
circle(38.574336,+18.437215,11.73")
circle(38.738699,+18.290782,17.89")
circle(38.685378,+18.469392,5.57")
circle(38.723512,+18.480390,6.79")
circle(38.725425,+18.341175,10.33")
circle(38.727042,+18.458993,5.96")
circle(38.677075,+18.503875,7.89")
circle(38.653306,+18.332397,11.26")
circle(38.725346,+18.442766,5.52")
circle(38.581369,+18.464749,11.53")
circle(38.821988,+18.432504,14.26")
circle(38.828016,+18.356474,18.51")
circle(38.756189,+18.492914,9.40")
circle(38.689063,+18.415804,4.92")
circle(38.564342,+18.437369,13.01")
circle(38.787662,+18.320933,17.29")
circle(38.533608,+18.444175,17.68")
circle(38.656278,+18.380633,6.83")
circle(38.787700,+18.343356,14.63")
circle(38.811300,+18.384837,14.10")
circle(38.684645,+18.370344,6.97")
circle(38.655806,+18.442485,5.37")
circle(38.648052,+18.272978,20.59")
circle(38.746648,+18.415397,6.69")
circle(38.721034,+18.263604,22.10")
circle(38.757737,+18.379015,8.94")
circle(38.795443,+18.322508,17.94")
circle(38.685763,+18.293409,16.11")
circle(38.639280,+18.503624,9.10")
"""
### END SOLUTION

# %% [markdown]
# The regions are given in sky coordinates. The image header contains the mapping from pixels to
# right ascension and declination (its *world coordinate system*, WCS). With it, `regions`
# converts each shape to pixel coordinates and paints it onto an image-sized array. Combining all
# shapes gives `region_mask`: `True` for every pixel to be ignored.

# %%
wcs = WCS(imfits[0].header).celestial
region_mask = np.zeros(im.shape, dtype=bool)
for sky_shape in Regions.parse(region_string, format="ds9"):
    stamp = sky_shape.to_pixel(wcs).to_mask(mode="center").to_image(im.shape)
    if stamp is None:
        print("This region lies outside the image and is ignored:", sky_shape)
        continue
    region_mask |= stamp.astype(bool)
print(f"Your regions cover {region_mask.sum()} pixels ({100 * region_mask.mean():.1f}% of the image).")

fig, axes = plt.subplots(1, 2, figsize=(14, 6))
show_image(axes[0], im, "Counts (log stretch)", "counts per pixel", cmap="magma", norm=counts_norm)
show_image(axes[1], region_mask, "region_mask (1 = ignored)", "masked?", cmap="gray")
fig.tight_layout()

# %% nbgrader={"grade": true, "grade_id": "test_region_mask", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
### BEGIN HIDDEN TESTS
from xray_handin import hand_in
hand_in("dataset", dataset_name=dataset_name)
hand_in("region_mask", region_mask=region_mask)
### END HIDDEN TESTS
assert region_mask.shape == im.shape, f"region_mask has shape {region_mask.shape}, the image {im.shape}"
assert region_mask.any(), "Your regions mask no pixel at all: did you paste the region list into region_string?"
assert region_mask.mean() < 0.6, "Your regions cover most of the image: check the sizes of your boxes"
print("region_mask has the right form; the grader also checks which sources and chips it covers.")

# %% [markdown]
# ### Your turn: mask low exposure
#
# Where the exposure is low (chip gaps, blurred chip edges, bad columns), the exposure map is
# least accurate, so it is safer to drop those pixels altogether. Define `exp_mask`: a boolean
# array shaped like the image, `True` wherever the exposure is **less than half of its highest
# value**. This one needs no regions, only the array `ex`.

# %% nbgrader={"grade": false, "grade_id": "exp_mask", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
exp_mask = data["ex"] < 0.5 * data["ex"].max()
### END SOLUTION

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 6))
show_image(axes[0], ex, "Exposure map x exposure time", "exposure (cm$^2$ s)", cmap="gray")
show_image(axes[1], exp_mask, "exp_mask (1 = ignored)", "masked?", cmap="gray")
fig.tight_layout()

# %% nbgrader={"grade": true, "grade_id": "test_exp_mask", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
### BEGIN HIDDEN TESTS
from xray_handin import hand_in
hand_in("exposure_mask", exp_mask=exp_mask)
### END HIDDEN TESTS
assert isinstance(exp_mask, np.ndarray), f"exp_mask should be a numpy array, not {type(exp_mask).__name__}"
assert exp_mask.shape == ex.shape, f"exp_mask has shape {exp_mask.shape}; the exposure map has {ex.shape}"
assert exp_mask.dtype == bool, f"exp_mask should hold True/False, not {exp_mask.dtype}"
assert exp_mask[ex == 0].all(), "Pixels with no exposure at all must be masked"
assert not exp_mask[ex >= 0.9 * ex.max()].any(), "Well-exposed pixels must not be masked"
print(f"exp_mask removes {100 * exp_mask.mean():.1f}% of the pixels.")

# %% [markdown]
# Together the two masks should leave the cluster and clean background, with no visible point
# sources and only the chips you want. Check that the cluster centre survived.

# %%
combined_mask = region_mask | exp_mask

fig, axes = plt.subplots(1, 2, figsize=(14, 6))
show_image(axes[0], np.where(combined_mask, np.nan, im), "Counts left after masking",
           "counts per pixel", cmap="magma", norm=counts_norm)
show_image(axes[1], np.where(combined_mask, 0.0, ex), "Exposure left after masking",
           "exposure (cm$^2$ s)", cmap="gray")
fig.tight_layout()

# %% [markdown]
# ### Keeping only the good pixels
#
# We could carry `combined_mask` around and skip masked pixels in every sum, but the likelihood
# will be evaluated hundreds of thousands of times, and visiting pixels only to skip them wastes
# time. Instead we keep 1-D arrays holding just the good pixels: counts, exposure, x and y. The
# position of each good pixel in the flattened image goes into `goodpix`, so we can always put
# the pixels back. `numba`, which we use later, wants the counts as 64-bit integers and the
# exposure as 64-bit floats, so we convert them now.

# %%
goodpix = np.flatnonzero(~combined_mask)
data["goodpix"] = goodpix
data["flatim"] = data["im"].ravel()[goodpix].astype(np.int64)
data["flatex"] = data["ex"].ravel()[goodpix].astype(np.float64)
data["flatx"] = data["imx"].ravel()[goodpix]
data["flaty"] = data["imy"].ravel()[goodpix]
print(f"{goodpix.size} good pixels out of {im.size}; they hold {data['flatim'].sum()} counts")

# %% [markdown]
# ### Your turn: rebuild the image
#
# Show that flattening lost nothing. Build `new_im`, a floating-point array with the shape of the
# image that equals the image in every good pixel and is `NaN` in every masked one. Use only
# `data["flatim"]`, `data["goodpix"]` and the *shape* of `data["im"]` (not its values).

# %% nbgrader={"grade": false, "grade_id": "new_im", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
new_im = np.full(data["im"].shape, np.nan)  # float, NaN everywhere to begin with
new_im.flat[data["goodpix"]] = data["flatim"]  # .flat indexes the image as if it were 1-D
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_new_im", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
### BEGIN HIDDEN TESTS
from xray_handin import hand_in
hand_in("rebuilt_image", new_im=new_im, goodpix=data["goodpix"])
### END HIDDEN TESTS
assert np.shape(new_im) == data["im"].shape, f"new_im has shape {np.shape(new_im)}; it should be {data['im'].shape}"
assert np.asarray(new_im).dtype.kind == "f", "new_im must be a float array, so that it can hold NaN"
has_value = ~np.isnan(new_im)
assert has_value.sum() == data["goodpix"].size, (
    f"new_im has {has_value.sum()} numbers, but there are {data['goodpix'].size} good pixels")
assert np.array_equal(new_im[has_value], data["im"][has_value]), "new_im differs from the image in some good pixels"
print("new_im matches the image in every good pixel.")

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 6))
show_image(axes[0], data["im"], "Original counts", "counts per pixel", cmap="magma", norm=counts_norm)
show_image(axes[1], new_im, "Rebuilt from the good pixels", "counts per pixel", cmap="magma", norm=counts_norm)
fig.tight_layout()

# %% [markdown]
# ## 4. A model for the cluster
#
# A real cluster is lumpy, perhaps elongated, perhaps disturbed by a merger; no short formula
# will match it exactly. We aim for a description that is good enough to learn from. The
# standard choice since the 1970s is the circularly symmetric **beta model** (unrelated to the
# beta distribution of probability theory). The surface brightness at distance $r$ from the
# centre is
#
# $$ S_\mathrm{CL}(r) \;=\; S_0 \, \Bigl(1 + r^2 / r_c^2\Bigr)^{\,1/2 \,-\, 3\beta},
# \qquad r^2 = (x - x_0)^2 + (y - y_0)^2 . $$
#
# We measure $r$ in pixels and use plain Pythagoras. That is fine over a field this small, even
# though the sky is a sphere.
#
# **Units.** We are free to pick them, as long as the model ends up predicting counts. With the
# central brightness $S_0$ in counts s$^{-1}$ cm$^{-2}$ pixel$^{-1}$ and the core radius $r_c$ in
# pixels, multiplying $S_\mathrm{CL}$ by our exposure map (cm$^2$ s) gives counts per pixel
# directly.
#
# ### Your turn: code the beta model
#
# Complete `betaModel(r, S0, rc, beta)`. It must return the formula above for a single radius
# `r` and, element by element, for a numpy array of radii.
#
# **About `@njit`.** The decorator hands the function to `numba`, which compiles it to machine
# code the first time it is called ("just in time"), for the argument types of that call. Later
# calls run the compiled code, which is much faster than Python in loops, and a likelihood is
# exactly such a loop, evaluated many times. The catch: `numba` must work out the type of every
# variable, so compiled functions should stick to numbers, numpy arrays and simple loops (no
# dictionaries of mixed types, no pandas, no classes of your own). If you cannot get `numba` to
# work, you may delete `@njit`; everything still runs, only slower.

# %% nbgrader={"grade": false, "grade_id": "betaModel", "locked": false, "schema_version": 3, "solution": true, "task": false}
@njit
def betaModel(r, S0, rc, beta):
    """Beta-model surface brightness at radius r (pixels), in the units of S0."""
    ### BEGIN SOLUTION
    scaled = r / rc
    return S0 * (1.0 + scaled * scaled) ** (0.5 - 3.0 * beta)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_betaModel", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
### BEGIN HIDDEN TESTS
from xray_handin import hand_in, probe_beta_model
hand_in("beta_model", **probe_beta_model(betaModel))
### END HIDDEN TESTS
assert np.isclose(betaModel(0.0, 2.5, 4.0, 0.7), 2.5), "At the centre, r = 0, the model should equal S0"
assert np.isclose(betaModel(4.0, 1.0, 4.0, 0.5), 0.5), "At r = rc the bracket is 2; check the power 1/2 - 3*beta"
assert np.isclose(betaModel(3.0, 1.0, 1.0, 2.0 / 3.0), 10.0 ** -1.5), "Wrong value at r = 3 rc for beta = 2/3"
test_radii = np.array([0.0, 1.0, 10.0, 100.0])
from_array = betaModel(test_radii, 1.0, 2.0, 0.67)
assert np.shape(from_array) == test_radii.shape, "betaModel should return one value per radius for an array"
assert np.allclose(from_array, [betaModel(r, 1.0, 2.0, 0.67) for r in test_radii]), "Array and scalar results differ"
print("betaModel passes the visible checks.")

# %% [markdown]
# The test cell has already triggered the compilation. The loop below makes a million calls from
# Python; if you take out `@njit`, rerun the definition and time the loop again, it should be a
# few times slower. (Much of what remains is the cost of the Python loop itself; inside a compiled
# likelihood even that disappears.)

# %%
# %%time
for _ in range(1_000_000):
    betaModel(2.0, 1.0, 1.0, 0.67)

# %% [markdown]
# ### What the parameters do
#
# * $S_0$ scales the whole profile: it is the brightness at the centre.
# * Inside the core radius $r_c$ the profile is nearly flat.
# * Far outside $r_c$ it falls as a power law, $S \propto r^{1 - 6\beta}$, so $\beta$ sets the
#   slope of the outskirts.
# * The centre $(x_0, y_0)$, in pixels, is also a free parameter.
#
# A sphere of isothermal gas in hydrostatic equilibrium gives $\beta = 2/3$. Real clusters are
# not that simple, so treat $2/3$ as a sign of what is plausible, not as the answer.

# %%
r_over_rc = np.geomspace(0.1, 30.0, 200)
fig, ax = plt.subplots(figsize=(6.5, 4.5))
for beta in (0.5, 2.0 / 3.0, 0.9, 1.2):
    ax.loglog(r_over_rc, betaModel(r_over_rc, 1.0, 1.0, beta), label=fr"$\beta$ = {beta:.2f}")
ax.axvline(1.0, color="gray", lw=0.8, ls=":")
ax.set_xlabel(r"radius in units of the core radius, $r / r_c$")
ax.set_ylabel(r"$S_\mathrm{CL}(r) / S_0$")
ax.set_title("Beta models: flat core, power-law outskirts")
ax.legend();

# %% [markdown]
# ### Background, and the expected counts
#
# After the bright point sources are masked, the background is mostly particle events, with a
# little unresolved X-ray emission. Particles reach the CCDs from all directions without passing
# through the mirrors, so they are **not vignetted**: their rate does not follow the exposure
# map. We keep the model simple and describe the background by one number, $B$: the expected
# background counts per pixel over the whole observation (the length of the exposure is built
# into it). The expected counts in a pixel at $(x, y)$ are then
#
# $$ \mu(x, y) \;=\; S_\mathrm{CL}(r)\, E(x, y) \;+\; B , $$
#
# where $E$ is the exposure map in cm$^2$ s, and the counts observed there, $N(x, y)$, follow a
# Poisson distribution with mean $\mu(x, y)$.
#
# ### A second model: a bright core
#
# In many clusters the gas at the centre has cooled and become dense, producing a sharp peak that
# one beta model cannot follow. Our second model describes the cluster as two beta components
# with the same centre: **component 1** ($S_0$, $r_c$, $\beta$) is the compact core, and
# **component 2** ($S_{02}$, $r_{c2}$, $\beta_2$) the extended halo:
#
# $$ S_\mathrm{CL}(r) \;=\; S_0 \Bigl(1 + r^2 / r_c^2\Bigr)^{1/2 - 3\beta}
#   \;+\; S_{02} \Bigl(1 + r^2 / r_{c2}^2\Bigr)^{1/2 - 3\beta_2} . $$
#
# We keep this labelling throughout: component 1 always has the smaller core radius. (The
# grader compares your double-model posterior after ordering the components by core radius, so
# the opposite labelling is not marked wrong, but it makes your results harder to compare.)
# Everywhere in this notebook the parameters come in this order:

# %% nbgrader={"grade": false, "grade_id": "paramnames", "locked": true, "schema_version": 3, "solution": false, "task": false}
paramnames = ["x0", "y0", "S0", "rc", "beta", "B"]
paramnames2 = paramnames + ["S02", "rc2", "beta2"]

# %% [markdown]
# ### Your turn: the generative model
#
# In the next cell, write the complete generative model for the **two-component** model:
# a prior for every parameter (with its range and units), how the expected counts follow from
# the parameters, and the sampling distribution of the data. Then draw its probabilistic
# graphical model (PGM): embed an image of a drawing, or describe the nodes, edges and plates in
# words. Two things to think about: priors that are honest about what you know before seeing the
# data, and what stops the two beta components from trading places.

# %% [markdown] nbgrader={"grade": true, "grade_id": "generative_model", "locked": false, "points": 4, "schema_version": 3, "solution": true, "task": false}
# **Priors** (independent, except for the ordering of the two components). The bounds are set in
# the data's own scale, not as absolute numbers, so that they move with the data if the units or
# the instrument change: the image's count rate $R = \sum_i N_i / \bar E$ (all counts of the good
# pixels over their mean exposure, counts s$^{-1}$ cm$^{-2}$ here) and its mean counts per good
# pixel $\bar N$.
#
# * centre: $x_0 \sim \mathrm{Uniform}(0, n_x - 1)$ and $y_0 \sim \mathrm{Uniform}(0, n_y - 1)$ pixels;
# * normalisations, through the total flux inside 100 pixels, $F = F_1 + F_2$ with
#   $F_k = \pi S_{0k} r_{ck}^2 [(1 + 100^2/r_{ck}^2)^{3/2 - 3\beta_k} - 1] / (3/2 - 3\beta_k)$:
#   $\ln F$ uniform between $\ln(10^{-6} R)$ and $\ln(100 R)$ (it is unknown by orders of
#   magnitude, but a cluster cannot give many more counts than the image holds), and the compact
#   component's share $f = F_1/F \sim \mathrm{Uniform}(0, 1/2)$. Unlike independent log-uniform
#   priors on $S_0$ and $S_{02}$, this stays well posed when the data need no second component:
#   the unneeded share is then small, not sent into a funnel towards $S_0 \to 0$;
# * core radii: $\ln r_c$, $\ln r_{c2}$ uniform between $\ln 1$ and $\ln \max(n_x, n_y)$ (pixels; a
#   core narrower than a pixel is not resolved, one wider than the image cannot be told from the
#   background), with $r_{c2} \ge 2 r_c$, so that component 1 is always the compact core (no label
#   switching) and cannot be a near copy of the halo;
# * slopes: $\beta, \beta_2 \sim \mathrm{Uniform}(0.3, 3)$, with $\beta \ge \beta_2$: the core
#   fades at least as fast as the extended halo, so it cannot masquerade as a second halo;
# * background: $\ln B$ uniform between $\ln(10^{-4} \bar N)$ and $\ln(100 \bar N)$ (counts per pixel).
#
# The single-beta model of section 6 keeps the priors on the centre, $r_c$, $\beta$ and $B$, and
# its one normalisation has $\ln S_0$ uniform between $\ln(10^{-9} R)$ and $\ln(100 R)$ (per
# pixel; at $S_0 = R$ a pixel at the mean exposure would hold every count of the image by itself).
#
# **Deterministic relations**, for each good pixel $i$ with position $(x_i, y_i)$ and exposure
# $E_i$: $r_i = \sqrt{(x_i - x_0)^2 + (y_i - y_0)^2}$ and
# $\mu_i = \bigl[S_0 (1 + r_i^2/r_c^2)^{1/2 - 3\beta} + S_{02} (1 + r_i^2/r_{c2}^2)^{1/2 - 3\beta_2}\bigr] E_i + B$.
#
# **Sampling distribution:** $N_i \sim \mathrm{Poisson}(\mu_i)$, independently for every good pixel.
#
# **PGM:** the nine parameters are open circles at the top, all with arrows into the
# deterministic node $\mu_i$. The fixed inputs $x_i$, $y_i$, $E_i$ (small dots) also point to
# $\mu_i$, which points to the observed, shaded node $N_i$. A plate "good pixels $i$" encloses
# $x_i, y_i, E_i, \mu_i$ and $N_i$; the parameters sit outside it.

# %% [markdown]
# ## 5. Comparing model and data by eye
#
# Away from the centre most pixels hold 0 or 1 counts, so an image of data minus model would be
# mostly Poisson noise. Since our models are circularly symmetric, we can average over rings
# instead: annuli about the centre collect many pixels, and the noise shrinks. We lose the
# information in the angles, but a profile is an excellent check by eye.
#
# `Profile`, given below, sums the counts (`N`), the exposure (`E`) and the number of good
# pixels (`npix`) in logarithmically spaced annuli about a chosen centre, out to a radius
# `rmax`; `r1`, `r2` and `r` hold the inner, outer and representative radius of each annulus.
# From these sums come three views of the data, each with its own model curve:
#
# | view | data | cluster model | background model |
# |---|---|---|---|
# | counts per annulus | $N$ | $S_\mathrm{CL}(r)\,E$ | $B\,n_\mathrm{pix}$ |
# | mean counts per pixel | $N / n_\mathrm{pix}$ | $S_\mathrm{CL}(r)\,E / n_\mathrm{pix}$ | $B$ |
# | surface brightness | $N / E$ | $S_\mathrm{CL}(r)$ | $B\,n_\mathrm{pix} / E$ |
#
# `plot_profile_with_model` draws any of the views, with the model and its parts when you pass
# a dictionary of parameters. We use it for every comparison below. Error bars are the Poisson
# uncertainty $\sqrt{N}$ of each annulus. (The model curves are evaluated at the representative
# radius of each annulus, which is only approximate in the widest annuli.) A fourth view,
# `"ratio"`, divides the counts in each annulus by the model prediction summed over exactly the
# same pixels (`expected_counts`); it is the sharpest test of a fit, and we use it once we have
# one.

# %% nbgrader={"grade": false, "grade_id": "profile_tools", "locked": true, "schema_version": 3, "solution": false, "task": false}
RMAX = 600.0  # pixels; larger than any cluster in this course


class Profile:
    """Sums of counts, exposure and good pixels in log-spaced annuli about (x0, y0).

    Attributes (arrays over the annuli that contain at least one good pixel):
    r1, r2 inner and outer radius (pixels); r a representative radius;
    N counts; E exposure (cm^2 s); npix number of good pixels.
    """

    def __init__(self, data, x0, y0, rmax=RMAX, nbins=32):
        edges = np.geomspace(1.0, rmax, nbins)  # outer radii; the first annulus is a disc
        inner = np.concatenate(([0.0], edges[:-1]))
        distance = np.hypot(data["flatx"] - x0, data["flaty"] - y0)
        annulus = np.searchsorted(edges, distance, side="right")
        use = annulus < nbins  # drop pixels beyond rmax

        def total(weights=None):
            return np.bincount(annulus[use], weights=weights, minlength=nbins).astype(float)

        counts, exposure, pixels = total(data["flatim"][use]), total(data["flatex"][use]), total()
        typical = np.sqrt(inner * edges)
        typical[0] = 0.5 * edges[0]
        filled = pixels > 0
        self.r1, self.r2, self.r = inner[filled], edges[filled], typical[filled]
        self.N, self.E, self.npix = counts[filled], exposure[filled], pixels[filled]


def beta_components(r, params):
    """The beta components of a parameter dict (one or two), each in counts/s/cm^2/pixel."""
    parts = [betaModel(r, params["S0"], params["rc"], params["beta"])]
    if "S02" in params:
        parts.append(betaModel(r, params["S02"], params["rc2"], params["beta2"]))
    return parts


def expected_counts(data, params):
    """Model prediction mu = S_CL(r) E + B for every good pixel (same order as data["flatim"])."""
    r = np.hypot(data["flatx"] - params["x0"], data["flaty"] - params["y0"])
    return sum(beta_components(r, params)) * data["flatex"] + params["B"]


PROFILE_VIEWS = {  # view: axis label
    "counts": "counts per annulus",
    "per_pixel": "mean counts per pixel",
    "brightness": "surface brightness (counts s$^{-1}$ cm$^{-2}$ pixel$^{-1}$)",
    "ratio": "data / model",
}


def plot_profile_with_model(profile, params=None, views=("counts", "per_pixel", "brightness"),
                            axes=None, title=None, data=None):
    """Plot the chosen views of a Profile; add model, components and background if params given.

    Every view is the counts per annulus times a scale (1, 1/npix or 1/E), so the cluster model
    in that view is S_CL * E * scale and the background B * npix * scale. The "ratio" view
    divides the counts by the model summed over the same pixels, so it needs `data` as well.
    """
    if axes is None:
        _, axes = plt.subplots(1, len(views), figsize=(5.8 * len(views), 4.3), squeeze=False)
        axes = axes[0]
    for ax, view in zip(axes, views):
        ax.set_xscale("log")
        ax.set_xlabel("radius from the centre (pixels)")
        ax.set_ylabel(PROFILE_VIEWS[view])
        if view == "ratio":
            model = Profile(dict(data, flatim=expected_counts(data, params)), params["x0"], params["y0"])
            ax.errorbar(profile.r, profile.N / model.N, yerr=np.sqrt(model.N) / model.N,
                        fmt="k.", ms=4, lw=0.8, label="data / model")
            ax.axhline(1.0, color="C0", lw=1.5)
            continue
        scale = {"counts": 1.0, "per_pixel": 1.0 / profile.npix, "brightness": 1.0 / profile.E}[view]
        values = profile.N * scale
        errors = np.sqrt(np.maximum(profile.N, 1.0)) * scale
        ax.errorbar(profile.r, values, yerr=[np.minimum(errors, 0.99 * values), errors],
                    fmt="k.", ms=4, lw=0.8, label="data")
        if params is not None:
            parts = [s * profile.E * scale for s in beta_components(profile.r, params)]
            background = params["B"] * profile.npix * scale
            ax.plot(profile.r, sum(parts) + background, "C0-", lw=2, label="model total")
            for k, part in enumerate(parts, start=1):
                ax.plot(profile.r, part, f"C{k}--", label="cluster" if len(parts) == 1 else f"beta component {k}")
            ax.plot(profile.r, background, "C3:", label="background")
        ax.set_yscale("log")
        ax.set_ylim(bottom=0.2 * values[values > 0].min())  # model parts may fall far below the data
    axes[0].legend(fontsize=8)
    if title:
        axes[len(axes) // 2].set_title(title)
    return axes


# %% [markdown]
# First, a profile about the mean position of the good pixels, which is unlikely to be the
# cluster centre. A profile about the right centre falls steadily with radius and then levels off
# where the background takes over. Does this one?

# %%
naive_profile = Profile(data, data["flatx"].mean(), data["flaty"].mean())
plot_profile_with_model(naive_profile, title="Centred on the mean position of the good pixels");

# %% [markdown]
# ### Your turn: a first guess
#
# Fill in `guess`, a dictionary with a value for each of `x0, y0, S0, rc, beta, B`, and rerun
# the cell and the plot until the model roughly follows the data in all three views. Some hints:
# read the centre off the image (hover over the sky viewer, or look at `new_im`); the outer part
# of the "mean counts per pixel" view gives $B$; the innermost surface brightness gives $S_0$.
# You will see that $S_0$ and $r_c$ can compensate for each other. A sensible guess is a good
# place to start your fit.

# %% nbgrader={"grade": false, "grade_id": "guess", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# Centre: the brightest spot after smoothing over a few pixels and dividing by the exposure, so
# that neither a single noisy pixel nor a well-exposed patch of background can win.
from scipy.ndimage import gaussian_filter

good = ~np.isnan(new_im)
smooth_counts = gaussian_filter(np.where(good, new_im, 0.0), sigma=3.0)
smooth_exposure = gaussian_filter(np.where(good, data["ex"], 0.0), sigma=3.0)
well_exposed = smooth_exposure > 0.5 * smooth_exposure.max()
rate = np.zeros_like(smooth_counts)
rate[well_exposed] = smooth_counts[well_exposed] / smooth_exposure[well_exposed]
peak_y, peak_x = np.unravel_index(np.argmax(rate), rate.shape)
# B: mean counts per pixel in the outer 30% of the good pixels. S0: mean surface brightness above
# that within 3 pixels of the centre. rc and beta: typical values, checked on the plot below.
radius = np.hypot(data["flatx"] - peak_x, data["flaty"] - peak_y)
outer, inner = radius > np.percentile(radius, 70), radius < 3.0
B_guess = data["flatim"][outer].mean()
S0_guess = (data["flatim"][inner].mean() - B_guess) / data["flatex"][inner].mean()
guess = {"x0": float(peak_x), "y0": float(peak_y), "S0": float(S0_guess), "rc": 8.0, "beta": 0.6,
         "B": float(B_guess)}
### END SOLUTION
print(guess)

# %%
guess_profile = Profile(data, guess["x0"], guess["y0"])
plot_profile_with_model(guess_profile, guess, title="First guess");

# %% [markdown]
# ## 6. Inference: one beta component plus background
#
# ### Your turn: sample the posterior
#
# Now sample the posterior of the single-beta model given your data. The method is your choice
# (Metropolis, an ensemble sampler, Gibbs, nested sampling, ...), within these rules:
#
# * The samples must come from the posterior itself: no approximate methods such as
#   variational inference or a Laplace (Gaussian) approximation.
# * Store them in `chains`, an array of shape `(n_chains, n_samples, n_params)` with at least
#   4 chains, burn-in removed (and thinned if you like), and parameters in the order of
#   `paramnames`. A list of `(n_samples, n_params)` arrays of equal length also works. If your
#   method does not produce chains, split its samples into 4 or more groups.
# * Start every slow cell with `%%time`, so that you and the graders can see what it cost.
# * If you find the posterior maximum on the way, show it with `plot_profile_with_model`.
#
# Suggestions, which you are free to ignore:
#
# * Write the log-posterior (or its pieces) as `@njit` functions that loop over the good pixels.
#   Coding the Poisson log-probability yourself is much faster than calling `scipy.stats`, and
#   terms that do not depend on the parameters, such as $\ln N!$, can be left out. Nearly all
#   the time goes into one `exp` and one `log` per pixel and component: `@njit(parallel=True)`
#   with `prange` shares the pixels among the cores, and computing the profile's power in single
#   precision (`np.float32`) makes those two calls cheaper while keeping seven digits.
# * $S_0$ and $r_c$ are strongly correlated: a smaller core with a brighter centre gives almost
#   the same total flux. Sampling $\ln S_0$ (and $\ln r_c$) instead makes the posterior much
#   rounder. Remember that a prior uniform in $S_0$ is *not* uniform in $\ln S_0$: decide which
#   one you mean and include the Jacobian if needed.
# * Set the bounds of your priors from the data, not as absolute numbers. The same cluster has
#   $S_0$ of order $10^{-6}$ counts s$^{-1}$ cm$^{-2}$ per pixel with this course's exposure maps
#   (cm$^2$ s) but of order $10^{-2}$ counts s$^{-1}$ per pixel with an exposure map in seconds (as
#   XMM-Newton's are), and a longer exposure or bigger pixels move it again. Wide bounds written
#   for one data set can sit right on the posterior of another, and a posterior pressed against a
#   bound still converges: $R$ and $n_\mathrm{eff}$ look fine, and the answer is the bound. Take
#   the scale from the data, for instance the count rate $R = \sum_i N_i / \bar E$ (the brightness
#   at which one pixel would hold every count) and the mean counts per pixel, put the bounds
#   several decades on either side, and check afterwards that no posterior piles up at a bound.
# * Find the posterior maximum first and start the chains around it. The curvature there is a
#   good guide to the size of Metropolis proposals, or of the small ball in which to start the
#   walkers of an ensemble sampler. (With `emcee`, each walker counts as one chain; its
#   differential-evolution move, `emcee.moves.DEMove`, scales its steps to the spread of the
#   walkers.)
# * Which `emcee` moves are safe: the default `StretchMove`, `DEMove`, or a mix of the two.
#   Avoid `emcee.moves.DESnookerMove` in emcee 3.1.6, the current release: its proposal is
#   wrong (its direction is not a unit vector and its acceptance factor has the wrong power),
#   so it samples a distribution narrower than the posterior. On a 9-parameter Gaussian its
#   variances come out 35% too small on its own, and 4-7% too small when it makes 20% of the
#   moves. The chains still look converged: $R$ and $n_\mathrm{eff}$ cannot tell you that a
#   sampler draws from the wrong distribution, only a test on a distribution whose answer you
#   know can.
# * **Seed every random number**, because grading runs the notebook again (see the
#   introduction). `emcee` copies NumPy's global random state when you create the sampler, so
#   either call `np.random.seed(1)` just before `emcee.EnsembleSampler(...)`, or set
#   `sampler.random_state = np.random.RandomState(1).get_state()` after it; draw your own random
#   numbers (starting points, proposals) from `rng = np.random.default_rng(1)`. Run the notebook
#   twice from the top (*Restart Kernel and Run All Cells*): the numbers should not change.
# * The tests below ask for $R < 1.1$ and more than 200 effective samples for every parameter,
#   computed with `maxlag=750`, so every chain needs more than 750 samples.
# * How long to run: with `DEMove`, 12 walkers and 760 steps per walker after a short burn-in
#   gave 250 to 450 effective samples for the single model; the two-component model of section 7
#   needed 24 walkers and 760 to 1150 steps. With a fast likelihood that is about half a minute
#   and one to two minutes of sampling on two cores. Check $R$ and $n_\mathrm{eff}$ and run
#   longer when they fall short. Keep every step: even 32 walkers x
#   1500 steps x 9 parameters is only 3.5 MB. Thinning helps only a long chain whose samples are
#   strongly correlated, such as a random-walk Metropolis chain of 50 000 steps: if the test says
#   that $n_\mathrm{eff}$ cannot be estimated, keep every 10th or 20th sample.
#
# Use as many cells as you like, but leave the result in `chains` in the cell marked for it.

# %% [markdown]
# ### The solution, one step at a time
#
# Sampling this posterior well takes several pieces: a prior, a likelihood, coordinates in which
# the sampler moves easily, the posterior maximum to start from, a repair for walkers that get
# stuck, and the sampler with its convergence checks. The next six code cells hold one piece
# each. They only *define* things (functions, constants), so each runs in an instant; all the
# slow work happens in the fit cell after them (step 7), the one that leaves its result in
# `chains`.
#
# In the solution the functions take either model: 6 parameters in the order of `paramnames`,
# or 9 in the order of `paramnames2`, so that section 7 can use them again. You can write the
# single model now and come back for the second one later.
#
# **Your turn.** Write each piece in its cell. The pieces follow the suggestions above; if your
# own method has no use for one (a Metropolis sampler has no walkers to regroup), delete the
# `raise NotImplementedError()` line in that cell and leave it empty.

# %% [markdown]
# #### Step 1: the prior
#
# Write down which parameter values you allow before looking at what the data say about them:
# here, a function `in_prior(theta)` that is `True` where the prior density is not zero, and the
# bounds of every parameter in one table, `PRIOR_BOUNDS`. Use the priors of your generative model
# (section 4), with bounds taken from the data's own scale, and print the table to see what they
# come to for your data set.

# %% nbgrader={"grade": false, "grade_id": "prior", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# Two scales read off the good pixels, so that the bounds move with the data: the count rate (the
# brightness at which one pixel at the mean exposure would hold every count of the image) and the
# mean counts per good pixel.
count_rate = data["flatim"].sum() / data["flatex"].mean()  # counts/s/cm^2 with an exposure map in cm^2 s
counts_per_pixel = data["flatim"].mean()
APERTURE = 100.0  # pixels: the two-component model's total flux F is counted inside this radius
CORE_RATIO = 2.0  # rc2 >= CORE_RATIO * rc: component 1 is the compact core
PRIOR_BOUNDS = {  # (lower, upper) in natural units, for both models unless marked
    "x0": (0.0, nx - 1.0),
    "y0": (0.0, ny - 1.0),
    "S0": (1e-9 * count_rate, 1e2 * count_rate),  # one component only; log-uniform
    "F": (1e-6 * count_rate, 1e2 * count_rate),  # two components: total flux inside APERTURE; log-uniform
    "f": (0.0, 0.5),  # two components: the compact one's share of F; uniform
    "rc": (1.0, float(max(nx, ny))),  # rc and rc2 (pixels); log-uniform
    "beta": (0.3, 3.0),  # beta and beta2; uniform
    "B": (1e-4 * counts_per_pixel, 1e2 * counts_per_pixel),  # counts per pixel; log-uniform
}


def flux_inside(rc, beta, radius=APERTURE):
    """Flux inside `radius` of one beta component with S0 = 1 (the closed form of section 7)."""
    a = 1.5 - 3.0 * np.asarray(beta, dtype=float)
    t = np.log1p((radius / np.asarray(rc, dtype=float)) ** 2)
    flat = np.abs(a) < 1e-8  # beta = 1/2: the logarithmic limit
    return np.pi * rc**2 * np.where(flat, t, np.expm1(a * t) / np.where(flat, 1.0, a))


def within(name, value):
    """True if value lies inside the bounds PRIOR_BOUNDS[name] (ends included)."""
    low, high = PRIOR_BOUNDS[name]
    return low <= value <= high


def in_prior(theta):
    """True where the prior density is not zero; theta in paramnames (6) or paramnames2 (9) order."""
    p = dict(zip(paramnames2, theta))
    if not (within("x0", p["x0"]) and within("y0", p["y0"]) and within("rc", p["rc"])
            and within("beta", p["beta"]) and within("B", p["B"])):
        return False
    if len(theta) == 6:
        return within("S0", p["S0"])
    if not (within("rc", p["rc2"]) and within("beta", p["beta2"])
            and p["rc2"] >= CORE_RATIO * p["rc"] and p["beta"] >= p["beta2"]):
        return False
    flux_1, flux_2 = p["S0"] * flux_inside(p["rc"], p["beta"]), p["S02"] * flux_inside(p["rc2"], p["beta2"])
    total = flux_1 + flux_2
    return bool(within("F", total) and within("f", flux_1 / total))


for name, (low, high) in PRIOR_BOUNDS.items():
    print(f"{name:>4}: {low:.4g} to {high:.4g}")
### END SOLUTION

# %% [markdown]
# #### Step 2: the likelihood
#
# Write a function `log_likelihood(theta)` that returns the Poisson $\ln \mathcal{L}$ of the good
# pixels for parameters `theta`, leaving out the constant $-\sum_i \ln N_i!$. Every step of the
# sampler calls it, so this is where speed matters (see the suggestions above).

# %% nbgrader={"grade": false, "grade_id": "likelihood", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
import math

from numba import prange


@njit(parallel=True, fastmath=True)
def pixel_log_likelihood(theta, x, y, exposure, counts):
    """Poisson ln L = sum over pixels of (N ln mu - mu), leaving out the constant -ln N!.

    theta: 6 parameters (paramnames order) for one beta component, or 9 (paramnames2) for two.
    prange shares the pixels among the CPU cores and adds up their partial sums; fastmath lets
    the compiler reorder the arithmetic, which changes a sum of 10^5 terms only in its last digits.
    """
    x0, y0, S0, rc, beta, B = theta[0], theta[1], theta[2], theta[3], theta[4], theta[5]
    two = theta.size == 9
    S02 = theta[6] if two else 0.0
    rc2 = theta[7] if two else 1.0
    beta2 = theta[8] if two else 1.0
    # The profile (1 + r^2/rc^2)^(1/2 - 3 beta) is computed as exp[(1/2 - 3 beta) ln(1 + r^2/rc^2)]
    # in single precision (float32), whose exp and log are cheaper: that makes the whole function
    # about 1.5 times faster, and a profile good to 7 digits is plenty. mu, the logarithm of mu and
    # the sum stay in double precision.
    power, power2 = np.float32(0.5 - 3.0 * beta), np.float32(0.5 - 3.0 * beta2)
    inv_rc_sq, inv_rc2_sq = 1.0 / (rc * rc), 1.0 / (rc2 * rc2)
    total = 0.0
    for i in prange(x.size):
        r_sq = (x[i] - x0) ** 2 + (y[i] - y0) ** 2
        brightness = S0 * math.exp(power * math.log(np.float32(1.0 + r_sq * inv_rc_sq)))
        if two:
            brightness += S02 * math.exp(power2 * math.log(np.float32(1.0 + r_sq * inv_rc2_sq)))
        mu = brightness * exposure[i] + B
        term = -mu
        if counts[i] > 0:  # most pixels are empty and need no logarithm
            term += counts[i] * math.log(mu)
        total += term
    return total


PIXELS = (data["flatx"].astype(np.float64), data["flaty"].astype(np.float64), data["flatex"], data["flatim"])


def log_likelihood(theta):
    """ln L of the good pixels for parameters in paramnames (6 values) or paramnames2 (9 values) order."""
    return pixel_log_likelihood(np.asarray(theta, dtype=np.float64), *PIXELS)
### END SOLUTION

# %% [markdown]
# #### Step 3: coordinates for the sampler, and the Jacobian
#
# The sampler does not have to move in the natural parameters. Write the change to coordinates
# `z` in which the posterior is rounder (`params_to_z`) and back (`z_to_params`), and the
# log-posterior in those coordinates, `log_posterior(z)`: the log-likelihood plus the log of the
# prior density in `z`. A prior that is flat in the natural parameters is not flat in `z`, so
# that density is the Jacobian of the change (see the suggestions of sections 6 and 7).

# %% nbgrader={"grade": false, "grade_id": "sampler_coordinates", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# z = (x0, y0, ln S0, u, w, ln B) for one component and (x0, y0, ln F, u, w, ln B, t, u2, w2) for
# two, with t = logit(f / f_max) for the compact share f. Logs make the log-uniform priors flat
# and straighten the S0-rc correlation; in t the edge f = 0 moves to -infinity, so walkers cannot
# get stuck against it. Each (rc, beta) pair becomes
#     w = 1 / (3 beta - 1/2),   u = ln rc + (ln w) / 2,
# so that a component is S0 (1 + r^2/rc^2)^(-1/w). For small w (a steep profile) that is almost
# a Gaussian of width rc sqrt(w) = exp(u): the data fix u, while w can slide a long way along a
# ridge in (rc, beta). In (u, w) the ridge is nearly straight and the posterior nearly Gaussian,
# which an ensemble sampler likes; in (ln rc, beta) it is a curved banana with long tails.
RC_BETA_INDICES = {6: [(3, 4)], 9: [(3, 4), (7, 8)]}
MAX_SHARE = PRIOR_BOUNDS["f"][1]


def z_to_params(z):
    """Sampler coordinates (along the last axis) to parameters in paramnames(2) order."""
    z = np.asarray(z, dtype=float)
    n = z.shape[-1]
    theta = z.copy()
    theta[..., [2, 5]] = np.exp(z[..., [2, 5]])  # S0 (or the total flux F) and B
    for i_rc, i_beta in RC_BETA_INDICES[n]:
        u, w = z[..., i_rc], z[..., i_beta]
        theta[..., i_rc] = np.exp(u) / np.sqrt(w)
        theta[..., i_beta] = (1.0 / w + 0.5) / 3.0
    if n == 9:  # share the flux F between the components: f to the compact one
        F, share = theta[..., 2].copy(), MAX_SHARE / (1.0 + np.exp(-z[..., 6]))
        theta[..., 2] = share * F / flux_inside(theta[..., 3], theta[..., 4])
        theta[..., 6] = (1.0 - share) * F / flux_inside(theta[..., 7], theta[..., 8])
    return theta


def params_to_z(theta):
    """Inverse of z_to_params."""
    theta = np.asarray(theta, dtype=float)
    n = theta.shape[-1]
    z = theta.copy()
    z[..., [2, 5]] = np.log(theta[..., [2, 5]])
    if n == 9:
        F1 = theta[..., 2] * flux_inside(theta[..., 3], theta[..., 4])
        F2 = theta[..., 6] * flux_inside(theta[..., 7], theta[..., 8])
        share = F1 / (F1 + F2) / MAX_SHARE
        z[..., 2], z[..., 6] = np.log(F1 + F2), np.log(share) - np.log1p(-share)
    for i_rc, i_beta in RC_BETA_INDICES[n]:
        w = 1.0 / (3.0 * theta[..., i_beta] - 0.5)
        z[..., i_rc] = np.log(theta[..., i_rc]) + 0.5 * np.log(w)
        z[..., i_beta] = w
    return z


def log_posterior(z):
    """ln posterior density in sampler coordinates, up to a constant.

    The prior is flat in (ln rc, beta); in (u, w) its density gains the Jacobian
    |d(ln rc, beta) / d(u, w)| = 1 / (3 w^2), i.e. - 2 ln w per component in the log. The
    prior is flat in the share f = f_max / (1 + exp(-t)); in t it gains
    |df/dt|, proportional to 1 / ((1 + exp(-t)) (1 + exp(t))).
    """
    w = np.array([z[i_beta] for _, i_beta in RC_BETA_INDICES[len(z)]])
    if np.any(w <= 0):  # beta would be negative or infinite
        return -np.inf
    theta = z_to_params(z)
    if not in_prior(theta):
        return -np.inf
    log_jacobian = -2.0 * np.sum(np.log(w))
    if len(z) == 9:
        log_jacobian -= np.logaddexp(0.0, -z[6]) + np.logaddexp(0.0, z[6])
    return log_likelihood(theta) + log_jacobian
### END SOLUTION

# %% [markdown]
# #### Step 4: the posterior maximum, and its width
#
# Write `find_maximum(starts)`, which climbs to the peak of the log-posterior from a few starting
# points and keeps the best, and `peak_covariance(z)`, which estimates from the curvature at the
# peak how wide the posterior is there. The fit cell uses the width only to size the small ball
# in which the walkers start; the samples themselves come from the sampler.

# %% nbgrader={"grade": false, "grade_id": "posterior_maximum", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
from scipy.optimize import minimize


def find_maximum(starts, trial_evaluations=200):
    """The posterior maximum in sampler coordinates, by Powell's method (no gradients needed).

    A short run from each start (natural units) picks the most promising one, and only that one
    is followed to convergence: most of an optimiser's time goes into the last digits.
    """
    def negative(z):
        value = log_posterior(z)
        return -value if np.isfinite(value) else 1e300

    trials = [minimize(negative, params_to_z(start), method="Powell", options={"maxfev": trial_evaluations})
              for start in starts]
    best = min(trials, key=lambda result: result.fun)
    return minimize(negative, best.x, method="Powell", options={"xtol": 1e-3, "ftol": 1e-7}).x


def peak_covariance(z, step=1e-2):
    """Covariance of the Gaussian that matches ln P near its peak z: the inverse of minus its
    Hessian, from central differences. Falls back to a tiny diagonal if z is not a proper peak."""
    n = len(z)
    h = step * np.eye(n)
    hessian = np.empty((n, n))
    with np.errstate(invalid="ignore"):  # -inf - (-inf) outside the prior: not finite, so no peak
        for i in range(n):
            for j in range(i, n):
                hessian[i, j] = hessian[j, i] = (
                    log_posterior(z + h[i] + h[j]) - log_posterior(z + h[i] - h[j])
                    - log_posterior(z - h[i] + h[j]) + log_posterior(z - h[i] - h[j])) / (4.0 * step**2)
    if np.all(np.isfinite(hessian)) and np.all(np.linalg.eigvalsh(-hessian) > 0):
        return np.linalg.inv(-hessian)
    return np.diag(np.full(n, step**2))
### END SOLUTION

# %% [markdown]
# #### Step 5: regrouping stranded walkers
#
# After the burn-in, a walker can sit far below the others in $\ln p$, stuck in a poor corner of
# the posterior (see the suggestions of section 7). Write `regroup_stranded(positions, log_p, rng)`,
# which moves each such walker onto a randomly chosen good one, and returns the new positions and
# how many walkers moved. It changes only where chains start, not what they sample.

# %% nbgrader={"grade": false, "grade_id": "regroup_walkers", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def regroup_stranded(positions, log_p, rng, drop=20.0):
    """Move walkers whose ln p lies more than `drop` below the median onto good walkers.

    positions: (n_walkers, n_params) in sampler coordinates; log_p: (n_walkers,). A 9-parameter
    posterior spans about 15 units of ln p, so a walker 20 below the median is stuck in a poor
    region. Each one restarts at a randomly chosen good walker, nudged by a thousandth of the
    ensemble's spread. Returns the new positions and how many walkers moved.
    """
    is_stranded = log_p < np.median(log_p) - drop
    stranded, good = np.flatnonzero(is_stranded), np.flatnonzero(~is_stranded)
    positions = positions.copy()
    nudge = 1e-3 * positions[good].std(axis=0)
    for i in stranded:
        positions[i] = positions[rng.choice(good)]
        nudged = positions[i] + nudge * rng.standard_normal(positions.shape[1])
        if np.isfinite(log_posterior(nudged)):
            positions[i] = nudged
    return positions, stranded.size
### END SOLUTION

# %% [markdown]
# #### Step 6: running the sampler until it has converged
#
# Write `sample_posterior(z_max, ...)`: start the walkers in a small ball about the maximum, run
# a burn-in, regroup stranded walkers, sample, and run on while $R$ or $n_\mathrm{eff}$ fall short
# of what the tests below ask. It returns the chains in natural units, shaped
# `(n_chains, n_samples, n_params)`. Seed every random number it draws.

# %% nbgrader={"grade": false, "grade_id": "run_sampler", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
import emcee


def sample_posterior(z_max, n_walkers, n_burn, n_steps, seed, min_neff):
    """emcee with differential-evolution moves from a small ball about z_max; chains in natural units.

    Each walker is one chain: (n_walkers, n_samples, n_params), burn-in removed. If the chains
    fall short of R < 1.05 or min_neff effective samples, they are run for longer (three times at most).
    """
    rng = np.random.default_rng(seed)
    ball = 0.25 * peak_covariance(z_max)  # half the width of the Gaussian approximation
    start = []
    while len(start) < n_walkers:  # keep only starting points inside the prior
        z = rng.multivariate_normal(z_max, ball)
        if np.isfinite(log_posterior(z)):
            start.append(z)
    sampler = emcee.EnsembleSampler(n_walkers, len(z_max), log_posterior, moves=emcee.moves.DEMove())
    sampler.random_state = np.random.RandomState(seed).get_state()  # the same chains on every run
    state = sampler.run_mcmc(np.array(start), n_burn)
    positions, moved = regroup_stranded(state.coords, state.log_prob, rng)
    if moved:
        print(f"{moved} stranded walker(s) moved onto good ones; a second, shorter burn-in follows")
        state = sampler.run_mcmc(positions, n_burn // 2)
    sampler.reset()  # forget the burn-in
    sampler.run_mcmc(state, n_steps)
    for attempt in range(4):
        chains = z_to_params(np.swapaxes(sampler.get_chain(), 0, 1))  # emcee stores (step, walker, parameter)
        R = cr.GelmanRubinR(chains)
        try:  # throw=True, as in the tests: n_eff is only trusted once the autocorrelation has decayed
            neff = cr.effective_samples(chains, maxlag=750, throw=True)
        except Exception:
            neff = np.zeros(chains.shape[-1])
        if (R.max() < 1.05 and neff.min() >= min_neff) or attempt == 3:
            break
        print(f"max R = {R.max():.3f}, min n_eff = {neff.min():.0f}: running longer")
        sampler.run_mcmc(None, n_steps // 2)
    print(f"{n_walkers} walkers x {sampler.iteration} steps after {n_burn} of burn-in; acceptance "
          f"{np.mean(sampler.acceptance_fraction):.2f}; max R = {R.max():.3f}, min n_eff = {neff.min():.0f}")
    return chains
### END SOLUTION

# %% [markdown]
# #### Step 7: the fit
#
# Now the pieces do the work: find the maximum of the single-beta posterior, show it against the
# data, and sample. This is the slow cell of the section. Leave the chains in `chains`.

# %% nbgrader={"grade": false, "grade_id": "fit_single", "locked": false, "schema_version": 3, "solution": true, "task": false}
# %%time
### BEGIN SOLUTION
# The maximum of the single-beta posterior, from my guess and, as a check, from a larger core.
starts = []
for S0_factor, rc in ((1.0, guess["rc"]), (0.3, 25.0)):
    start = dict(guess, S0=guess["S0"] * S0_factor, rc=rc)
    starts.append([start[name] for name in paramnames])
fit1_max = dict(zip(paramnames, z_to_params(find_maximum(starts))))
print("maximum:", ", ".join(f"{k} = {v:.4g}" for k, v in fit1_max.items()))
plot_profile_with_model(Profile(data, fit1_max["x0"], fit1_max["y0"]), fit1_max, title="Posterior maximum")

# 12 walkers (emcee needs at least twice as many as parameters), each run 760 steps after the
# burn-in: the tests need chains longer than maxlag = 750, and that gives 300 or more effective
# samples, half as many again as the test asks for.
chains = sample_posterior(params_to_z(list(fit1_max.values())), n_walkers=12, n_burn=60, n_steps=760, seed=1,
                          min_neff=250)
### END SOLUTION

# %% [markdown]
# ### Checking the single-beta chains
#
# Start with the traces. Every chain should wander over the same range, with no drifts and no
# chain stuck apart from the others.

# %% nbgrader={"grade": false, "grade_id": "chain_tools", "locked": true, "schema_version": 3, "solution": false, "task": false}
def chains_as_array(chains, names):
    """chains as a float array (n_chains, n_samples, n_params), or an AssertionError saying what is wrong."""
    try:
        array = np.asarray(chains, dtype=float)
    except (TypeError, ValueError) as error:
        raise AssertionError(f"Cannot turn the chains into one array ({error}); are all chains equally long?")
    assert array.ndim == 3, f"Expected (n_chains, n_samples, n_params); got an array of shape {array.shape}"
    assert array.shape[0] >= 4, f"Use at least 4 chains; there are {array.shape[0]}"
    assert array.shape[2] == len(names), f"Each sample needs {len(names)} parameters, ordered as {names}"
    assert np.all(np.isfinite(array)), "The chains contain NaN or infinite values"
    return array


def check_convergence(chains, names, min_neff):
    """Print and test R < 1.1 and n_eff > min_neff (incredible, maxlag=750); the checked array."""
    array = chains_as_array(chains, names)
    print(f"{array.shape[0]} chains of {array.shape[1]} samples each")
    R = cr.GelmanRubinR(array)
    print("Gelman-Rubin R:", np.round(R, 4))
    assert np.all(R < 1.1), f"Some chains have not converged (R = {R}); run longer or start closer to the maximum"
    try:
        neff = cr.effective_samples(array, maxlag=750, throw=True)
    except Exception as error:  # incredible cannot estimate n_eff when the chains barely move
        raise AssertionError(f"n_eff cannot be estimated with maxlag=750 ({error}): the chains are too "
                             "strongly correlated. Run longer, thin, or check that every chain mixes.") from None
    print("effective samples:", np.round(neff))
    assert np.all(neff > min_neff), f"Too few effective samples ({neff}); run the chains longer"
    return array


def plot_chain_traces(chains, names):
    """Traces of up to 8 chains, one panel per parameter."""
    array = np.asarray(chains, dtype=float)
    fig, axes = plt.subplots(len(names), 1, figsize=(13, 1.9 * len(names)), sharex=True)
    cr.plot_traces(array[:8], axes, labels=names)
    axes[-1].set_xlabel("step (after burn-in)")


def triangle_plot(pooled, names, size):
    """plotGTC of pooled samples, with normalisations shown in units of 1e-6 for readable ticks."""
    scale = np.array([1e6 if name.startswith("S0") else 1.0 for name in names])
    labels = [f"{name} x 1e6" if name.startswith("S0") else name for name in names]
    font = "DejaVu Sans"  # pygtc asks for Arial, which many systems lack
    return plotGTC(pooled * scale, paramNames=labels, figureSize=size,
                   customLabelFont={"family": font, "size": 10}, customTickFont={"family": font, "size": 7},
                   customLegendFont={"family": font})


# %%
plot_chain_traces(chains, paramnames)

# %% [markdown]
# Now the numbers. The Gelman-Rubin statistic $R$ compares the spread within each chain with the
# spread between chains; values close to 1 mean the chains agree. The effective number of
# samples says how many independent draws the correlated chains are worth.

# %% nbgrader={"grade": true, "grade_id": "test_chains_format", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
### BEGIN HIDDEN TESTS
from xray_handin import hand_in
hand_in("chains-single", chains=chains, goodpix=data.get("goodpix", []))
### END HIDDEN TESTS
check_convergence(chains, paramnames, min_neff=200)

# %% [markdown]
# Converged chains can still describe the wrong posterior (a bug in the likelihood, a mask that
# removed the cluster, parameters in the wrong order). The next test compares your posterior
# with what your data support.

# %% nbgrader={"grade": true, "grade_id": "test_posterior_single", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
### BEGIN HIDDEN TESTS
from xray_handin import hand_in
hand_in("posterior-single", chains=chains, goodpix=data.get("goodpix", []))
### END HIDDEN TESTS
single_medians = dict(zip(paramnames, np.median(chains_as_array(chains, paramnames).reshape(-1, 6), axis=0)))
print("posterior medians:", ", ".join(f"{k} = {v:.4g}" for k, v in single_medians.items()))
assert min(single_medians["S0"], single_medians["rc"], single_medians["B"]) > 0, (
    "S0, rc and B should all be positive: check the order of the parameters")
assert 0 <= single_medians["x0"] < nx and 0 <= single_medians["y0"] < ny, "The centre should lie on the image"

# %% [markdown]
# With the tests passed, we pool the chains and look at the one- and two-dimensional marginal
# posteriors in a triangle plot. Look for the strong correlation between $S_0$ and $r_c$
# mentioned above, and for how well each parameter is pinned down.

# %%
chain1 = np.concatenate(np.asarray(chains, dtype=float), axis=0)
triangle_plot(chain1, paramnames, size=9);

# %% [markdown]
# Last, the model at the posterior median against the data. (The median of each parameter is
# not always a typical point of the joint posterior, but for a well-constrained fit like this one
# it is close to the peak.) In the right-hand panel, a good model scatters about 1 within the
# error bars at every radius; runs of points on one side of 1 mean the shape is wrong.

# %%
fit = dict(zip(paramnames, np.median(chain1, axis=0)))
fit_profile = Profile(data, fit["x0"], fit["y0"])
plot_profile_with_model(fit_profile, fit, views=("per_pixel", "brightness", "ratio"), data=data,
                        title="One beta component: posterior median");

# %% [markdown]
# ### Your turn: reflect
#
# In the next cell, say whether the single-beta model describes your cluster well at all radii.
# Where does it miss, by how much compared with the error bars, and what might cause it? Any
# numbers you quote are read beside the plots and medians of the graded run.

# %% [markdown] nbgrader={"grade": true, "grade_id": "reflect_single", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# At first sight the fit looks fine on the log-log plots, but the ratio panel shows that it is
# not: the data wave around the model with a 10-20% amplitude, far more than the error bars
# allow. The centre (r < 4 pixels) is brighter than the model, there is a deficit at 6-15 pixels,
# an excess again at 25-50 and a deficit at 80-150 pixels, while the background level is right.
# One beta component cannot have both a compact bright peak and a broad, shallow halo, so it
# compromises (with a low beta, about 0.5). A dense core at the centre of the cluster, sitting
# inside a more extended atmosphere, would produce exactly this pattern.

# %% [markdown]
# ## 7. Inference: two beta components plus background
#
# ### Your turn: sample again
#
# Repeat the analysis with the two-component model, and store its samples in `chains2`, with
# the parameters in the order of `paramnames2`. The same rules apply; the tests ask for
# $R < 1.1$ and more than 150 effective samples. Be ready for either outcome: some clusters
# have a bright cool core, others have none, and then the data do not need the second component
# at all. Its parameters are then held only by the prior, so the prior must be proper and must
# not leave a trap:
#
# * **Keep component 1 the compact one**, so that the components cannot swap roles: require
#   $r_{c2} \ge 2 r_c$ and $\beta \ge \beta_2$ (the core fades at least as fast as the halo).
#   With only $r_c < r_{c2}$, two components of nearly the same size and different slopes can add
#   up to one beta profile, and the chains drift among such pairs for a long time.
# * **Do not give $S_0$ and $S_{02}$ independent log-uniform priors.** When a component is not
#   needed, its normalisation can shrink towards the lower end of its prior, where nothing
#   constrains its core radius and slope either; that funnel holds most of the prior's mass and
#   the chains do not converge in it. Describe the two normalisations instead by the **total
#   flux** inside 100 pixels, $F = F_1 + F_2$, with a log-uniform prior, and the **compact
#   component's share** of it, $f = F_1 / F$, uniform between 0 and 1/2 (a cool core is a small
#   part of a cluster's light: 6-31% in the simulated clusters of this course). The flux of one
#   beta component inside a radius $R$ is
#   $F(R) = \pi S_0 r_c^2 \,\bigl[(1 + R^2/r_c^2)^{a} - 1\bigr] / a$ with $a = 3/2 - 3\beta$
#   (and $\pi S_0 r_c^2 \ln(1 + R^2/r_c^2)$ when $\beta = 1/2$). Compute $S_0$ and $S_{02}$ from
#   $F$ and $f$ in your log-posterior, and hand in chains of the parameters of `paramnames2`.
# * **Give the core radii a lower limit of 1 pixel.** The model is evaluated at pixel centres,
#   and a narrower core can hide between them with an absurdly large $S_0$.
# * **Bound the flux in the data's own scale**, as in section 6: a few decades around the image's
#   count rate. If $F$ presses its ceiling, the double model cannot even reproduce the single
#   one, its best fit is worse, and the DIC comparison comes out backwards while every
#   convergence test passes.
#
# How to sample it, in what worked on every data set of this course:
#
# * **Sample $\ln F$ and $t = \ln\bigl(2f / (1 - 2f)\bigr)$, the logit of $2f$, not $f$
#   itself.** Without a core, the posterior of $f$ piles up against 0, and a walker that comes
#   close to that edge can stay stuck there for a whole run (in one test, $R(S_{02})$ was 1.37 at the
#   end). In $t$ the edge moves to $-\infty$ and nothing stops the walkers. A prior
#   uniform in $f$ is not uniform in $t$: since $f = \tfrac{1}{2}/(1 + e^{-t})$, add
#   $\ln\lvert df/dt\rvert = \ln f + \ln(1 - 2f)$ to your log-posterior.
# * **Use coordinates that follow the ridge.** A small, steep core looks much like a wider,
#   shallower one, so each component's $r_c$ and $\beta$ lie along a curved ridge, where a
#   sampler creeps. Write $w = 1/(3\beta - 1/2)$: a component is then
#   $S_0 (1 + r^2/r_c^2)^{-1/w}$, which for small $w$ is nearly a Gaussian of width
#   $r_c \sqrt{w}$. The data fix that width, so sample $u = \ln r_c + \tfrac{1}{2}\ln w$ and
#   $w$ in place of $r_c$ and $\beta$: the ridge becomes nearly straight. With a prior flat in
#   $\ln r_c$ and $\beta$, add the Jacobian $\ln\lvert\partial(\ln r_c, \beta)/\partial(u, w)\rvert
#   = -2 \ln w$ (plus a constant) per component. The same coordinates help the single model.
# * **Do not start the walkers at your single-beta result.** For a cluster with a cool core that
#   fit is a compromise (a small $r_c$ with a low $\beta$) that describes neither the core nor the
#   halo; walkers started around it can stay stranded tens to thousands of units of $\ln p$
#   below the others, and $R$ reaches tens. Instead, find the maximum of the two-component
#   posterior from two or three starts and keep the best: your single-beta maximum as the halo
#   with a vanishing core ($f \approx 0.001$; from there the optimiser can only improve on the
#   single fit, so the two-component maximum can never come out worse), and a typical core in a
#   typical halo (core: $r_c$ of 3 to 6 pixels, $\beta \approx 0.9$, 5 to 10% of the flux; halo:
#   $r_c \approx 30$ to 40 pixels, $\beta \approx 0.65$). Start the walkers in a small ball
#   around the best maximum.
# * **Check for stranded walkers after the burn-in.** With `emcee`,
#   `sampler.get_log_prob()[-1]` holds each walker's current $\ln p$. In a 9-parameter posterior
#   the walkers spread over about 15 units of $\ln p$; a walker more than 20 below the median is
#   stranded and will spoil $R$ for the whole run. Move each stranded walker onto the position of
#   a randomly chosen good walker (plus a tiny random nudge), and run a second, short burn-in.
#   This only changes where chains start, so the samples you keep still come from the posterior.
# * **Use more walkers than the minimum**: with 18 walkers for 9 parameters the chains mix far
#   more slowly than with 24 or more.

# %% [markdown]
# The functions of section 6 take nine parameters as well as six, so what is new in the cell
# below is only where the search for the maximum starts. From there it finds the maximum and
# samples, as before. Leave the chains in `chains2`.

# %% nbgrader={"grade": false, "grade_id": "fit_double", "locked": false, "schema_version": 3, "solution": true, "task": false}
# %%time
### BEGIN SOLUTION
# Starting points for the maximum: (1) the single-beta maximum as the halo, with a vanishing core
# (a thousandth of the flux): the optimiser never ends below its start, so the two-component
# maximum is at least as good as the single one; (2, 3) a typical compact, steep core inside a
# typical halo, in two sizes. (Splitting the single-beta profile in two is tempting, but for a
# cool core that fit is a compromise between core and halo that describes neither.)
x0, y0, S0, rc, beta, B = (fit1_max[name] for name in paramnames)
rc_min = PRIOR_BOUNDS["rc"][0]
halo_rc, core_rc = max(rc, CORE_RATIO * rc_min), max(rc_min, min(3.0, rc / CORE_RATIO))
core_beta = max(0.9, beta)
core_S0 = 1e-3 * S0 * flux_inside(halo_rc, beta) / flux_inside(core_rc, core_beta)
starts2 = [
    [x0, y0, core_S0, core_rc, core_beta, B, S0, halo_rc, beta],
    [x0, y0, 0.95 * S0, 3.0, 0.9, B, 0.05 * S0, 30.0, 0.65],
    [x0, y0, 0.9 * S0, 6.0, 0.9, B, 0.1 * S0, 40.0, 0.65],
]
fit2_max = dict(zip(paramnames2, z_to_params(find_maximum(starts2))))
print("maximum:", ", ".join(f"{k} = {v:.4g}" for k, v in fit2_max.items()))

# 24 walkers: with 18, the minimum for 9 parameters, the chains mixed far more slowly. Even so
# each walker needs about 60 steps to forget where it was (twice as many as for the single model),
# so 760 steps give about 165 effective samples for the slowest parameter, a little more than the
# test's 150; sample_posterior() runs longer when they fall short.
chains2 = sample_posterior(params_to_z(list(fit2_max.values())), n_walkers=24, n_burn=100, n_steps=760, seed=2,
                           min_neff=165)
### END SOLUTION

# %%
plot_chain_traces(chains2, paramnames2)

# %% nbgrader={"grade": true, "grade_id": "test_chains2_format", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
### BEGIN HIDDEN TESTS
from xray_handin import hand_in
hand_in("chains-double", chains=chains2, goodpix=data.get("goodpix", []))
### END HIDDEN TESTS
check_convergence(chains2, paramnames2, min_neff=150)

# %% nbgrader={"grade": true, "grade_id": "test_posterior_double", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
### BEGIN HIDDEN TESTS
from xray_handin import hand_in
hand_in("posterior-double", chains=chains2, goodpix=data.get("goodpix", []))
### END HIDDEN TESTS
double_medians = dict(zip(paramnames2, np.median(chains_as_array(chains2, paramnames2).reshape(-1, 9), axis=0)))
print("posterior medians:", ", ".join(f"{k} = {v:.4g}" for k, v in double_medians.items()))
assert min(double_medians[k] for k in ("S0", "rc", "B", "S02", "rc2")) > 0, (
    "Normalisations, core radii and B should be positive: check the order of the parameters")

# %%
chain2 = np.concatenate(np.asarray(chains2, dtype=float), axis=0)
triangle_plot(chain2, paramnames2, size=12);

# %% [markdown]
# The two fits side by side: surface brightness (top) and data divided by model (bottom).

# %%
fit2 = dict(zip(paramnames2, np.median(chain2, axis=0)))
fit2_profile = Profile(data, fit2["x0"], fit2["y0"])
fig, axes = plt.subplots(2, 2, figsize=(13, 8.5), sharex=True, sharey="row")
for column, (profile, params, name) in enumerate([(fit_profile, fit, "One beta component"),
                                                  (fit2_profile, fit2, "Two beta components")]):
    plot_profile_with_model(profile, params, views=("brightness", "ratio"), axes=axes[:, column], data=data)
    axes[0, column].set_title(name)
    axes[0, column].legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ### Your turn: reflect
#
# Is the two-component model a real improvement for your cluster? Look at the centre of the
# profile, and at the posteriors of the compact component, $S_0$, $r_c$ and $\beta$ (and its
# share of the flux): are they well constrained, or could the core component just as well be
# absent?

# %% [markdown] nbgrader={"grade": true, "grade_id": "reflect_double", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# Yes. The ratio of data to model is now flat and scattered about 1 within the error bars at
# every radius; the wave pattern of the single model is gone. The compact component (core radius
# about 9 pixels, steep) carries the central peak and the extended one (about 23 pixels, beta near
# 0.65) the outskirts. The posteriors are single-peaked; only the slope of the compact component
# is broad and skewed (between about 1 and 2), since the data say little about how steeply the
# core fades once the halo dominates. $S_{02}$ is many standard deviations from zero, so the data
# clearly ask for the second component.
#
# (For a cluster without a cool core the answer is no: the single model's ratio panel is
# already flat, the compact component's share of the flux piles up near zero, and its core
# radius and slope spread over their prior ranges because the data say nothing about a
# component that is not there. The second component could just as well be absent.)

# %% [markdown]
# ## 8. Which model do the data prefer?
#
# A better fit alone does not settle it: a model with more parameters can always follow the data
# more closely. The **deviance information criterion** weighs fit against complexity. With the
# deviance $D(\theta) = -2 \ln \mathcal{L}(\theta)$ (the likelihood, not the posterior),
#
# $$ \mathrm{DIC} = \overline{D} + p_D, \qquad p_D = \tfrac{1}{2}\,\mathrm{var}(D), $$
#
# where $\overline{D}$ and $\mathrm{var}(D)$ are the mean and the variance of the deviance over
# the posterior samples. $p_D$ acts as the effective number of parameters the data constrain:
# for a posterior close to a Gaussian in $k$ parameters, $D - D_\mathrm{min}$ follows a $\chi^2$
# law with $k$ degrees of freedom, whose variance is $2k$. The model with the **lower** DIC is
# preferred; differences of a few units are not worth much, differences of tens or more are.
#
# You may meet an older definition, $p_D = \overline{D} - D(\bar\theta)$ with $\bar\theta$ the
# posterior mean of the parameters. Do not use it here: it depends on how the model is
# parametrised, and it fails when a parameter's posterior has a long tail. In a cluster without
# a cool core, the unneeded compact component's $S_0$ has such a tail (large $S_0$ in a small
# core), the model at $\bar\theta$ fits far worse than the samples do, $p_D$ comes out large and
# negative, and that DIC favours the second component by a hundred or more although the best
# fits of the two models are equally good. The variance of $D$ needs only the deviances.
#
# Two remarks before you compute it:
#
# * **The constant $\sum \ln N!$.** The Poisson log-likelihood contains $-\sum_i \ln N_i!$,
#   which does not depend on the parameters. You may keep it or drop it, as long as you treat
#   both models the same way: it shifts both DICs by the same amount and cancels in
#   `DIC1 - DIC2`. The grader accepts either choice.
# * **Why $p_D$ can come out below the number of parameters.** For a posterior that is close to
#   Gaussian, $p_D$ is close to the number of parameters. It is smaller when some parameters
#   are barely constrained by the data and held in by the prior (a slope whose posterior runs
#   to the edge of its prior range, say, or the compact component of a cluster that has no
#   core). So a $p_D$ of, say, 7 for the nine-parameter model is no sign of a bug.
#
# ### Your turn: compute the DICs
#
# Compute `DIC1` for the single-beta chains and `DIC2` for the two-component chains, both as
# plain numbers. You need a log-likelihood function for each model; if your log-posterior
# included the prior, leave it out here. A few hundred samples taken evenly from all the chains
# are plenty, and thinning to that saves time. The grader recomputes each DIC from your own
# chains, so compute it from the same chains you handed in above.

# %% nbgrader={"grade": false, "grade_id": "dic", "locked": false, "schema_version": 3, "solution": true, "task": false}
# %%time
### BEGIN SOLUTION
def deviance(theta, names):
    """D = -2 ln L, the Poisson likelihood of my fits without the prior (and without -ln N!).

    Computed with the notebook's numpy function expected_counts rather than my numba code: this
    cell then needs nothing from the sampling cells but the chains, and it cross-checks the
    likelihood the sampler used.
    """
    mu = expected_counts(data, dict(zip(names, theta)))
    counted = data["flatim"] > 0  # N ln mu vanishes where N = 0
    return -2.0 * (np.sum(data["flatim"][counted] * np.log(mu[counted])) - mu.sum())


def dic(chains, names, n_keep=400):
    """DIC = mean(D) + pD, pD = var(D) / 2, from about n_keep samples of the chains."""
    samples = np.asarray(chains, dtype=float).reshape(-1, len(names))
    samples = samples[:: max(1, len(samples) // n_keep)]  # neighbouring samples add little
    D = np.array([deviance(theta, names) for theta in samples])
    pD = 0.5 * D.var()
    print(f"{len(samples)} samples: mean D = {D.mean():.1f}, pD = {pD:.2f}")
    return D.mean() + pD


DIC1 = dic(chains, paramnames)
DIC2 = dic(chains2, paramnames2)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_dic", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
### BEGIN HIDDEN TESTS
from xray_handin import hand_in
hand_in("dic", DIC1=DIC1, DIC2=DIC2, chains=chains, chains2=chains2, goodpix=data.get("goodpix", []))
### END HIDDEN TESTS
print("DIC, one beta component: ", DIC1)
print("DIC, two beta components:", DIC2)
assert np.ndim(DIC1) == 0 and np.ndim(DIC2) == 0, "DIC1 and DIC2 should each be a single number"
assert np.isfinite(DIC1) and np.isfinite(DIC2), "Both DICs should be finite"

# %% nbgrader={"grade": false, "grade_id": "dic_difference", "locked": true, "schema_version": 3, "solution": false, "task": false}
print(f"DIC1 - DIC2 = {DIC1 - DIC2:.1f}  (positive: the two-component model is preferred)")

# %% [markdown]
# ### Your turn: reflect
#
# How large is `DIC1 - DIC2`, and which model does it favour? Does that agree with what you saw
# in the profiles?
#
# Quote the number printed just above. Whoever grades this answer reads it beside the output of
# that cell in the graded run of your notebook, so the two agree only if your sampling is seeded
# (section 6).

# %% [markdown] nbgrader={"grade": true, "grade_id": "reflect_dic", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# `DIC1 - DIC2` is large and positive (hundreds for this cluster), so the two-component model is
# strongly preferred. That matches the profiles: the single component misses the bright core by
# many error bars, while the three extra parameters of the second component cost only about three
# units of DIC through $p_D$.
#
# (For a cluster without a cool core `DIC1 - DIC2` comes out near zero or negative, a few units:
# the best fits of the two models are equally good, and the extra component only adds to $p_D$.
# The data then prefer the simpler model, as the flat ratio panel of the single fit suggested.)

# %% [markdown]
# ## 9. For the class comparison
#
# Run the cell below and paste what it prints into the class table. Together, your classmates'
# numbers will show how often clusters have bright cores. (We report posterior medians only, as a
# quick summary; a paper would quote credible intervals too.)

# %%
class_summary = {
    "dataset": dataset_name,
    "single_beta_median": {name: float(value) for name, value in fit.items()},
    "double_beta_median": {name: float(value) for name, value in fit2.items()},
    "DIC1_minus_DIC2": float(DIC1 - DIC2),
}
print(safe_dump(class_summary, sort_keys=False))

# %% [markdown]
# ## Summary
#
# You read an X-ray image and exposure map, masked what the model cannot describe, wrote a Poisson
# likelihood over tens of thousands of pixels, sampled two posteriors, checked them, and let the
# DIC choose between the models. That is already more careful than many published analyses, which
# often fix the centre by hand and fit a one-dimensional profile.
#
# A fuller analysis would add, among other things: a vignetted component of the sky background
# alongside the particle one; the PSF, which blurs the very centre; elliptical rather than circular
# models; and the spectral information we threw away, which gives the gas temperature and, with
# it, the cluster's mass.
