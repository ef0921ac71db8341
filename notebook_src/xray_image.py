# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Fitting a galaxy cluster in a Chandra X-ray image
#
# Galaxy clusters are filled with gas at tens of millions of kelvin that glows in X-rays. In this
# tutorial you will measure how that glow falls off with distance from the cluster centre, using a
# Chandra image, and decide whether the cluster has a dense, bright core.
#
# **You will learn to**
#
# * read an X-ray counts image and its exposure map, and explain what each pixel of them means;
# * mask point sources, chip edges and unused chips by drawing regions in an interactive sky viewer;
# * turn images into the compact arrays that make a likelihood fast;
# * write a Poisson likelihood for an image, sample its posterior with MCMC and check convergence;
# * compare two models of the cluster with the deviance information criterion (DIC).
#
# **What you will do.** Each student analyses a different (simulated, but realistic) Chandra
# observation. You will fit a *beta model* plus a flat background, then a model with two beta
# components, and report which one your data prefer.
#
# Cells that need your work are marked **Your turn**. Each graded answer is followed by a test cell:
# if it fails, its message says what to check. The MCMC cells take a few minutes; everything else
# runs in seconds.

# %% [markdown]
# ## 1. Set-up
#
# The packages we use: `astropy` for FITS files and sky coordinates, `regions` for DS9 region files,
# `numba` to compile the likelihood, `incredible` for MCMC diagnostics and `pygtc` for triangle plots.
# In Google Colab the next cell installs the ones Colab lacks.

# %% nbgrader={"grade": false, "grade_id": "colab_setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import sys

IN_COLAB = "google.colab" in sys.modules
if IN_COLAB:
    get_ipython().run_line_magic(  # noqa: F821 - defined inside IPython
        "pip", "install --quiet regions==0.12 incredible==0.3.1 pygtc==0.5.0 ipyaladin==0.8.1"
    )

# %% nbgrader={"grade": false, "grade_id": "imports", "locked": true, "schema_version": 3, "solution": false, "task": false}
import matplotlib.pyplot as plt
import numpy as np
import incredible as cr
from astropy.io import fits
from astropy.wcs import WCS
from numba import njit
from pygtc import plotGTC
from regions import Regions
from yaml import safe_dump

plt.rcParams["figure.dpi"] = 90


def log_image(image):
    """Logarithmic stretch for display: log10(1 + counts); NaN stays NaN."""
    return np.log10(1.0 + np.asarray(image, dtype=float))


# %% [markdown]
# ### Your turn: choose your data set
#
# Set `dataset_name` to the name of the data set you were assigned (for example `"cl_j0815"`).
# Everything below uses it. Locally the data live in `data/<dataset_name>/` next to this notebook.
# In Colab, copy the course folder to `MyDrive/xray_image/` on your Google Drive first; the cell
# mounts your Drive and looks there.

# %% nbgrader={"grade": false, "grade_id": "choose_dataset", "locked": false, "schema_version": 3, "solution": false, "task": false}
dataset_name = "cl_j0142"

# %% nbgrader={"grade": false, "grade_id": "datapath", "locked": true, "schema_version": 3, "solution": false, "task": false}
if IN_COLAB:
    from google.colab import drive

    drive.mount("/content/drive")
    datapath = f"/content/drive/MyDrive/xray_image/data/{dataset_name}/"
else:
    datapath = f"data/{dataset_name}/"
print("Reading data from", datapath)

# %% [markdown]
# ## 2. The data: a counts image and an exposure map
#
# An X-ray CCD records individual photons. Each event has a position and an energy, and photons are
# so rare that a pixel almost never catches two in one readout. The image we use was made by keeping
# the events with energies of 0.6-2.0 keV and counting how many landed in each pixel, after binning
# the detector 4x4 (one image pixel is 1.968 arcsec on a side). So the image holds **integers**, and
# in most pixels that integer is 0 or 1.
#
# To predict those counts we also need to know how sensitive each pixel was. The **exposure map**
# carries that information, in units of area (cm$^2$):
#
# * the **effective area** of the mirrors and detector at the energy of interest (a few hundred cm$^2$);
# * **vignetting**: the mirrors collect less light away from the optical axis;
# * the **quantum efficiency** of each part of each chip, including bad columns, and the gaps between
#   chips (blurred because the telescope dithers, i.e. wobbles slowly during the observation).
#
# The map does *not* include how long the telescope looked. Multiplying it by the exposure time
# (in seconds, recorded as `EXPOSURE` in the image header) gives units of cm$^2$ s. A model of the
# sky in counts s$^{-1}$ cm$^{-2}$ per pixel, times that map, is then an expected number of counts.

# %%
imfits = fits.open(datapath + "image_0.6-2.0keV.fits.gz")
exfits = fits.open(datapath + "expmap_1.25kev.fits.gz")
imfits.info()
exfits.info()

# %%
im = imfits[0].data
ex = exfits[0].data * imfits[0].header["EXPOSURE"]  # cm^2 -> cm^2 s
print("image:", im.shape, im.dtype, "  exposure map:", ex.shape, ex.dtype)
print(f"exposure time {imfits[0].header['EXPOSURE'] / 1000:.1f} ks, total counts {im.sum()}")

# %% [markdown]
# A logarithmic stretch shows both the bright cluster and the faint background; the exposure map
# varies smoothly, so a linear scale suits it.

# %%
fig, ax = plt.subplots(1, 2, figsize=(13, 6))
shown = ax[0].imshow(log_image(im), cmap="magma", origin="lower", vmax=1.2)
fig.colorbar(shown, ax=ax[0], label="log10(1 + counts)")
ax[0].set_title("Counts, 0.6-2.0 keV")
shown = ax[1].imshow(ex, cmap="gray", origin="lower")
fig.colorbar(shown, ax=ax[1], label="exposure (cm$^2$ s)")
ax[1].set_title("Exposure map times exposure time")
for a in ax:
    a.set_xlabel("x (pixel)")
    a.set_ylabel("y (pixel)")

# %% [markdown]
# What to look for:
#
# * the **cluster**: the large diffuse glow;
# * **point sources**, mostly distant active galactic nuclei. They are blurred by the telescope's
#   point spread function (PSF), which widens with distance from the optical axis, so sources far
#   out look bigger and fainter;
# * a roughly flat **background**, most of it from charged particles hitting the detector;
# * in the exposure map: the square **chips**, the **gaps** between them, a few **bad columns**, and
#   the gentle fall-off of vignetting. Some observations also switched on extra chips that we will
#   not use, and a very bright core can leave a faint **readout streak** along a chip column.
#
# **A word on array order.** Image arrays are indexed `[row, column]`, i.e. `[y, x]`, and FITS
# stores the bottom row first. That is why we pass `origin="lower"` to `imshow`. To stop worrying
# about it, we build two arrays holding the x and y index of every pixel.

# %%
data = {"im": im, "ex": ex}
data["imx"], data["imy"] = np.meshgrid(np.arange(im.shape[1]), np.arange(im.shape[0]))

fig, ax = plt.subplots(1, 2, figsize=(10, 4.5))
for a, key in zip(ax, ("imx", "imy")):
    shown = a.imshow(data[key], origin="lower", cmap="viridis")
    fig.colorbar(shown, ax=a, label="pixel index")
    a.set_title(key)
    a.set_xlabel("x (pixel)")
    a.set_ylabel("y (pixel)")
print("imx runs from", data["imx"].min(), "to", data["imx"].max(), "; imy from", data["imy"].min(), "to", data["imy"].max())

# %% [markdown]
# With `imx` and `imy`, the distance of every pixel from a point $(x_0, y_0)$ is simply
# `np.hypot(data["imx"] - x0, data["imy"] - y0)`.
#
# ## 3. Masking what is not the cluster
#
# We will model the cluster and the background, nothing else. Rather than model every point source
# (which would need the position-dependent PSF), we ignore the pixels they touch. We also drop the
# chip edges and gaps, and any chip we do not want:
#
# * with a **2x2 square of chips** (ACIS-I), mask any extra chip outside the square;
# * with a **row of chips** (ACIS-S), keep only the **two chips that are clearly brighter** (they are
#   back-illuminated, with more background); mask the others.
#
# ### Your turn: draw your mask
#
# Run the next cell to open your image in the sky viewer. Pan with the mouse, zoom with the wheel;
# the coordinates under the cursor are shown in the corner.
#
# 1. Choose **circle**, set a radius, and click on each clear point source. Sources far from the
#    centre need bigger circles. Do not chase every bump: noise also makes bumps.
# 2. Choose **box**, set width, height and angle, and click to cover chips you should not use (and a
#    streak, if your image has one). Gaps and edges are handled by the exposure cut below.
# 3. **Undo** and **Clear** fix mistakes. The region list below the viewer updates as you go.
# 4. Copy the region list into `region_string` in the cell after. You can reload it later with
#    `viewer.load_regions(region_string)` to keep editing.
#
# If you prefer DS9, any region file in `fk5` coordinates works too.

# %%
from skyviewer import SkyViewer

viewer = SkyViewer(datapath + "image_0.6-2.0keV.fits.gz", height=600)
viewer

# %% nbgrader={"grade": false, "grade_id": "region_string", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Paste your regions between the triple quotes, e.g.
# region_string = """
# # Region file format: DS9
# fk5
# circle(150.12345,+2.54321,6.0")
# box(150.2,+2.4,520",520",30)
# """
### BEGIN SOLUTION
import solutions_lib.datasets

region_string = solutions_lib.datasets.reference_region_string(dataset_name)
### END SOLUTION

# %% [markdown]
# The image header knows how pixels map to right ascension and declination (its WCS). With it,
# `regions` converts each shape to pixel coordinates and rasterises it; the union of all of them is
# our region mask, `True` where a pixel is to be ignored.

# %%
wcs = WCS(imfits[0].header).celestial
region_mask = np.zeros(im.shape, dtype=bool)
for shape in Regions.parse(region_string, format="ds9"):
    footprint = shape.to_pixel(wcs).to_mask(mode="center").to_image(im.shape)
    if footprint is not None:
        region_mask |= footprint.astype(bool)
print(f"{region_mask.sum()} pixels inside your regions")

fig, ax = plt.subplots(1, 2, figsize=(13, 6))
ax[0].imshow(log_image(im), cmap="magma", origin="lower", vmax=1.2)
ax[0].set_title("Counts")
ax[1].imshow(region_mask, cmap="gray", origin="lower")
ax[1].set_title("Region mask (white = ignored)")
for a in ax:
    a.set_xlabel("x (pixel)")
    a.set_ylabel("y (pixel)")

# %% nbgrader={"grade": true, "grade_id": "test_region_mask", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
assert region_mask.shape == im.shape, "region_mask must have the same shape as the image"
assert region_mask.any(), "Your regions mask no pixel at all: did you paste the region list?"
assert region_mask.mean() < 0.5, "Your regions cover more than half the image; use smaller shapes"
### BEGIN HIDDEN TESTS
import sys as _sys; [_sys.modules.pop(_k) for _k in list(_sys.modules) if _k.split('.')[0] == 'solutions_lib']
from solutions_lib.grading import hidden as _hidden
_hidden.check('region_mask', region_mask=region_mask, dataset=dataset_name)
### END HIDDEN TESTS

# %% [markdown]
# ### Your turn: mask low exposure
#
# Pixels with little exposure (chip gaps, dithered edges, bad columns) are the least trustworthy.
# Define `exp_mask`, a boolean array shaped like the image that is `True` where the exposure map is
# **below half of its maximum**. No regions needed: it is a one-line function of `ex`.

# %% nbgrader={"grade": false, "grade_id": "exp_mask", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
exp_mask = ex < 0.5 * ex.max()
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_exp_mask", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
assert isinstance(exp_mask, np.ndarray), "exp_mask should be a numpy array"
assert exp_mask.shape == ex.shape, f"exp_mask has shape {exp_mask.shape}, the image {ex.shape}"
assert exp_mask.dtype == bool, f"exp_mask should hold True/False values, not {exp_mask.dtype}"
assert exp_mask[ex == 0].all(), "Pixels with zero exposure must be masked"
assert not exp_mask[ex == ex.max()].any(), "The best-exposed pixels must not be masked"
### BEGIN HIDDEN TESTS
import sys as _sys; [_sys.modules.pop(_k) for _k in list(_sys.modules) if _k.split('.')[0] == 'solutions_lib']
from solutions_lib.grading import hidden as _hidden
_hidden.check('exposure_mask', exp_mask=exp_mask, dataset=dataset_name)
### END HIDDEN TESTS

# %% [markdown]
# The two masks together leave the cluster and a clean background. Check that nothing important
# disappeared, in particular the cluster centre.

# %%
combined_mask = region_mask | exp_mask
fig, ax = plt.subplots(1, 2, figsize=(13, 6))
ax[0].imshow(log_image(np.where(combined_mask, np.nan, im)), cmap="magma", origin="lower", vmax=1.2)
ax[0].set_title("Counts left after masking")
ax[1].imshow(np.where(combined_mask, 0.0, ex), cmap="gray", origin="lower")
ax[1].set_title("Exposure left after masking")
for a in ax:
    a.set_xlabel("x (pixel)")
    a.set_ylabel("y (pixel)")

# %% [markdown]
# ### Keeping only the good pixels
#
# A likelihood summed over a 2-D image with a mask wastes time on masked pixels. Instead we keep
# 1-D arrays of just the good pixels: their counts, exposures and positions. `goodpix` holds the
# positions of the good pixels in the flattened image, which is how we can put them back later.
# `numba` works best with 64-bit types, so we convert the counts and exposures here.

# %%
goodpix = np.flatnonzero(~combined_mask)
data["goodpix"] = goodpix
data["flatim"] = data["im"].ravel()[goodpix].astype(np.int64)
data["flatex"] = data["ex"].ravel()[goodpix].astype(np.float64)
data["flatx"] = data["imx"].ravel()[goodpix]
data["flaty"] = data["imy"].ravel()[goodpix]
print(f"{goodpix.size} good pixels out of {im.size}, holding {data['flatim'].sum()} counts")

# %% [markdown]
# ### Your turn: rebuild the image
#
# Prove the flattening lost nothing. Using **only** `data["flatim"]`, `data["goodpix"]` and the
# image *shape*, build `new_im`: a float array equal to the image in the good pixels and `NaN`
# everywhere else.

# %% nbgrader={"grade": false, "grade_id": "new_im", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
new_im = np.full(data["im"].shape, np.nan)
new_im.ravel()[data["goodpix"]] = data["flatim"]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_new_im", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
assert new_im.shape == data["im"].shape, f"new_im has shape {new_im.shape}, expected {data['im'].shape}"
assert np.isnan(new_im).any(), "Masked pixels should be NaN in new_im"
kept = ~np.isnan(new_im)
assert kept.sum() == data["goodpix"].size, "new_im should hold a number in every good pixel, NaN elsewhere"
assert np.array_equal(new_im[kept], data["im"][kept]), "new_im differs from the image in some good pixels"
### BEGIN HIDDEN TESTS
import sys as _sys; [_sys.modules.pop(_k) for _k in list(_sys.modules) if _k.split('.')[0] == 'solutions_lib']
from solutions_lib.grading import hidden as _hidden
_hidden.check('rebuilt_image', new_im=new_im, goodpix=data['goodpix'], dataset=dataset_name)
### END HIDDEN TESTS

# %%
fig, ax = plt.subplots(1, 2, figsize=(13, 6))
ax[0].imshow(log_image(data["im"]), cmap="magma", origin="lower", vmax=1.2)
ax[0].set_title("Original image")
ax[1].imshow(log_image(new_im), cmap="magma", origin="lower", vmax=1.2)
ax[1].set_title("Rebuilt from the good pixels")
for a in ax:
    a.set_xlabel("x (pixel)")
    a.set_ylabel("y (pixel)")

# %% [markdown]
# ## 4. A model for the cluster
#
# No simple formula will describe a real cluster perfectly, but one has served X-ray astronomers
# well for decades: the azimuthally symmetric **beta model**,
#
# $$ S_\mathrm{CL}(r) = S_0 \left[1 + \left(\frac{r}{r_c}\right)^2\right]^{-3\beta + 1/2}, $$
#
# where $r = \sqrt{(x - x_0)^2 + (y - y_0)^2}$ is the distance from the centre $(x_0, y_0)$ in
# pixels. (On a field this small, treating the sky as flat is fine.) We measure $S_0$ in
# counts s$^{-1}$ cm$^{-2}$ pixel$^{-1}$ and the core radius $r_c$ in pixels, so the model times
# the exposure map is directly counts per pixel.
#
# * $S_0$ sets the central surface brightness;
# * inside $r_c$ the profile is nearly flat;
# * $\beta$ sets how steeply it falls far outside $r_c$ (as $r^{-6\beta+1}$). $\beta = 2/3$
#   corresponds to isothermal gas in hydrostatic equilibrium, a useful reference value, not a rule.
#
# ### Your turn: code the beta model
#
# Write `betaModel(r, S0, rc, beta)`, decorated with `@njit` from `numba`. It must work for a scalar
# `r` and for an array of radii.
#
# `@njit` compiles the function to machine code the first time it is called, for the types it is
# called with. Compiled code is much faster inside loops, which matters when a likelihood is
# evaluated hundreds of thousands of times. The price: numba must be able to infer every type, so
# keep the function plain arithmetic (no dictionaries of mixed types, no classes).

# %% nbgrader={"grade": false, "grade_id": "betaModel", "locked": false, "schema_version": 3, "solution": true, "task": false}
@njit
def betaModel(r, S0, rc, beta):
    """Beta-model surface brightness at radius r (pixels)."""
    ### BEGIN SOLUTION
    return S0 * (1.0 + (r / rc) ** 2) ** (0.5 - 3.0 * beta)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_betaModel", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
assert np.isclose(betaModel(0.0, 2.0, 5.0, 0.7), 2.0), "At r = 0 the model should equal S0"
assert np.isclose(betaModel(5.0, 1.0, 5.0, 0.5), 2.0 ** -1.0), "At r = rc the bracket is 2; check the exponent -3*beta + 1/2"
radii = np.array([0.0, 1.0, 10.0])
assert np.shape(betaModel(radii, 1.0, 1.0, 0.67)) == (3,), "betaModel should accept an array of radii"
### BEGIN HIDDEN TESTS
import sys as _sys; [_sys.modules.pop(_k) for _k in list(_sys.modules) if _k.split('.')[0] == 'solutions_lib']
from solutions_lib.grading import hidden as _hidden
_hidden.check('beta_model', probe=_hidden.probe_beta_model(betaModel))
### END HIDDEN TESTS

# %% [markdown]
# Compilation happened at the first call above. A million calls now take well under a second; if
# you remove `@njit` and rerun the definition, the same loop is several times slower.

# %%
# %%time
for _ in range(1_000_000):
    betaModel(1.0, 1.0, 1.0, 0.67)

# %%
rgrid = np.geomspace(0.1, 10.0, 100)
for beta in (0.5, 2 / 3, 1.0):
    plt.loglog(rgrid, betaModel(rgrid, 1.0, 1.0, beta), label=fr"$\beta = {beta:.2f}$")
plt.xlabel(r"$r / r_c$")
plt.ylabel(r"$S_\mathrm{CL}(r) / S_0$")
plt.title("Larger beta, steeper outskirts")
plt.legend();

# %% [markdown]
# ### Background and the full model
#
# After masking point sources, what remains of the background is mostly particles: cosmic rays and
# solar protons that hit the detector from every direction. They are not focused by the mirrors, so
# they are **not vignetted** and should not be multiplied by the exposure map. We describe them by
# $B$, the expected background counts per pixel, the same everywhere. The expected counts in a pixel
# are then
#
# $$ \mu(x, y) = S_\mathrm{CL}(r)\, E(x, y) + B, $$
#
# and the observed counts $N(x, y)$ are Poisson-distributed about $\mu(x, y)$.
#
# Many clusters have a dense, bright core that a single beta model cannot follow. Our second model
# adds a second, concentric component,
#
# $$ S_\mathrm{CL}(r) = S_0 \left[1 + \left(\tfrac{r}{r_c}\right)^2\right]^{-3\beta + 1/2}
#   + S_{02} \left[1 + \left(\tfrac{r}{r_{c2}}\right)^2\right]^{-3\beta_2 + 1/2}, $$
#
# sharing the centre $(x_0, y_0)$. Order the parameters like this everywhere:

# %% nbgrader={"grade": false, "grade_id": "paramnames", "locked": true, "schema_version": 3, "solution": false, "task": false}
paramnames = ["x0", "y0", "S0", "rc", "beta", "B"]
paramnames2 = paramnames + ["S02", "rc2", "beta2"]

# %% [markdown]
# ### Your turn: the generative model
#
# Write the full generative model (every parameter with its prior, and the sampling distribution of
# the data) and draw its probabilistic graphical model (PGM), for the two-component model (the
# single one is the special case $S_{02} = 0$). You may embed a PGM image, or describe the nodes and
# edges in words. Think about what priors are sensible, and what stops the two components from
# swapping roles.

# %% [markdown] nbgrader={"grade": true, "grade_id": "generative_model", "locked": false, "points": 4, "schema_version": 3, "solution": true, "task": false}
# **Priors** (independent):
# $x_0 \sim \mathrm{U}(0, n_x - 1)$, $y_0 \sim \mathrm{U}(0, n_y - 1)$;
# $\ln S_0, \ln S_{02} \sim \mathrm{U}(\ln 10^{-12}, \ln 10^{-2})$;
# $\ln r_c, \ln r_{c2} \sim \mathrm{U}(\ln 0.1, \ln 500)$ with $r_c < r_{c2}$ (component 1 is the
# compact core, which removes the label-switching symmetry);
# $\beta, \beta_2 \sim \mathrm{U}(0.3, 3)$; $\ln B \sim \mathrm{U}(\ln 10^{-5}, \ln 10)$.
#
# **Deterministic:** for each good pixel $i$, $r_i = \sqrt{(x_i - x_0)^2 + (y_i - y_0)^2}$ and
# $\mu_i = S_\mathrm{CL}(r_i; S_0, r_c, \beta, S_{02}, r_{c2}, \beta_2)\,E_i + B$.
#
# **Sampling distribution:** $N_i \sim \mathrm{Poisson}(\mu_i)$, independently for each pixel.
#
# **PGM:** parameter nodes $x_0, y_0, S_0, r_c, \beta, S_{02}, r_{c2}, \beta_2, B$ (open circles) all
# point to the deterministic node $\mu_i$, which also receives the fixed inputs $x_i, y_i, E_i$
# (dots); $\mu_i$ points to the observed node $N_i$ (shaded). $\mu_i$, $N_i$, $x_i$, $y_i$, $E_i$ sit
# in a plate over the good pixels $i$.

# %% [markdown]
# ## 5. Comparing model and data by eye
#
# Far from the centre most pixels hold 0 or 1 counts, so a residual image is mostly Poisson noise.
# Averaging over rings around the centre beats the noise down. The `Profile` class below sums the
# counts, the exposure and the number of pixels in logarithmically spaced annuli about a chosen
# centre. From those sums we can plot three views of the same data: total counts per annulus, mean
# counts per pixel, and mean surface brightness (counts over exposure).

# %% nbgrader={"grade": false, "grade_id": "profile_class", "locked": true, "schema_version": 3, "solution": false, "task": false}
class Profile:
    """Counts, exposure and pixel sums in log-spaced annuli about (x0, y0).

    Attributes r1, r2 (inner and outer radius, pixels), r (a representative
    radius), N (counts), E (exposure, cm^2 s) and npix are arrays over the
    annuli that contain at least one good pixel.
    """

    def __init__(self, data, x0, y0, rmax, nbins=32):
        outer = np.geomspace(1.0, rmax, nbins)
        inner = np.concatenate(([0.0], outer[:-1]))
        radius = np.hypot(data["flatx"] - x0, data["flaty"] - y0)
        ring = np.searchsorted(outer, radius, side="right")
        inside = ring < nbins
        sums = lambda weights: np.bincount(ring[inside], weights=weights, minlength=nbins)
        counts = sums(data["flatim"][inside])
        exposure = sums(data["flatex"][inside])
        pixels = sums(None)
        middle = np.sqrt(inner * outer)
        middle[0] = 0.5 * outer[0]
        keep = pixels > 0
        self.r1, self.r2, self.r = inner[keep], outer[keep], middle[keep]
        self.N, self.E, self.npix = counts[keep], exposure[keep], pixels[keep]


def model_surface_brightness(r, params):
    """Cluster surface brightness for a dict of parameters (one or two components)."""
    total = betaModel(r, params["S0"], params["rc"], params["beta"])
    if "S02" in params:
        total = total + betaModel(r, params["S02"], params["rc2"], params["beta2"])
    return total


def plot_profiles(profile, params=None, axes=None, title=None):
    """Three views of a profile, with the model, its parts and the background if given."""
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(17, 4.2))
    views = [
        ("counts per annulus", profile.N, profile.E, profile.npix),
        ("mean counts per pixel", profile.N / profile.npix, profile.E / profile.npix, 1.0),
        ("surface brightness (counts s$^{-1}$ cm$^{-2}$ pix$^{-1}$)", profile.N / profile.E, 1.0, profile.npix / profile.E),
    ]
    for ax, (label, measured, cluster_scale, background_scale) in zip(axes, views):
        ax.loglog(profile.r, measured, "k.", label="data")
        if params is not None:
            cluster = model_surface_brightness(profile.r, params) * cluster_scale
            background = params["B"] * background_scale * np.ones_like(profile.r)
            ax.plot(profile.r, cluster + background, "-", label="cluster + background")
            ax.plot(profile.r, cluster, "--", label="cluster")
            ax.plot(profile.r, background, ":", label="background")
        ax.set_xlabel("radius (pixels)")
        ax.set_ylabel(label)
    axes[0].legend(fontsize=8)
    if title:
        axes[1].set_title(title)
    return axes


# %% [markdown]
# Centred on the average position of the good pixels (which is probably not the cluster centre),
# the profiles look odd: brightness should fall with radius, then level off at the background.

# %%
naive = Profile(data, data["flatx"].mean(), data["flaty"].mean(), rmax=600.0)
plot_profiles(naive, title="Centred on the mean pixel position");

# %% [markdown]
# ### Your turn: a first guess
#
# Fill in `guess` with plausible values: read the centre off the image, the background from the
# outer part of the profile, and adjust `S0`, `rc` and `beta` until the model roughly follows the
# data. A good guess is also a good starting point for the fit.

# %% nbgrader={"grade": false, "grade_id": "guess", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
brightest = np.argmax(np.where(np.isnan(new_im), -1, new_im))
cy, cx = np.unravel_index(brightest, new_im.shape)
guess = {"x0": float(cx), "y0": float(cy), "S0": 2e-6, "rc": 8.0, "beta": 0.7, "B": 0.08}
### END SOLUTION

# %%
guess_profile = Profile(data, guess["x0"], guess["y0"], rmax=600.0)
plot_profiles(guess_profile, guess, title="First guess");

# %% [markdown]
# ## 6. Inference: one beta component plus background
#
# Now sample the posterior of the single-beta model. How is up to you, with these requirements:
#
# * any correct sampling method (no approximate methods such as variational inference or a Laplace
#   approximation);
# * store the samples in `chains`: an array shaped `(n_chains, n_samples, n_params)`, at least 4
#   chains, burn-in removed, parameters in the order of `paramnames`;
# * start long cells with `%%time`.
#
# Suggestions:
#
# * write the log-likelihood as a loop over good pixels in an `@njit` function; leave out terms that
#   do not depend on the parameters (such as $\log N!$);
# * $S_0$ and $r_c$ are strongly degenerate (many pairs give the same total flux). Sampling
#   $\ln S_0$ and $\ln r_c$ instead helps a lot; remember that a prior uniform in $S_0$ is *not*
#   uniform in $\ln S_0$;
# * find the posterior maximum first, start the chains near it, and size proposals from the
#   curvature there;
# * the test below needs $R < 1.1$ and more than 200 effective samples per parameter.

# %% nbgrader={"grade": false, "grade_id": "fit_single", "locked": false, "schema_version": 3, "solution": true, "task": false}
# %%time
### BEGIN SOLUTION
import solutions_lib.fitting

fit1 = solutions_lib.fitting.fit_single(data, seed=1)
chains = fit1.chains
### END SOLUTION

# %% [markdown]
# ### Checking the single-beta chains
#
# First the traces: every chain should wander over the same range, with no trends.

# %%
fig, ax = plt.subplots(len(paramnames), 1, figsize=(14, 2.2 * len(paramnames)))
cr.plot_traces(np.asarray(chains)[:8], ax, labels=paramnames)

# %% nbgrader={"grade": true, "grade_id": "test_chains_format", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
chains_array = np.asarray(chains, dtype=float)
assert chains_array.ndim == 3, f"chains should be (n_chains, n_samples, n_params); got shape {chains_array.shape}"
assert chains_array.shape[0] >= 4, f"Use at least 4 chains; found {chains_array.shape[0]}"
assert chains_array.shape[2] == len(paramnames), f"Each sample needs {len(paramnames)} parameters, in paramnames order"
assert np.all(np.isfinite(chains_array)), "chains contain NaN or infinite values"
R = cr.GelmanRubinR(chains_array)
print("R =", R)
assert np.all(R < 1.1), f"Not converged: R = {R}. Run longer, or start the chains closer to the maximum."
neff = cr.effective_samples(chains_array, maxlag=750, throw=True)
print("n_eff =", neff)
assert np.all(neff > 200), f"Too few effective samples: {neff}. Run longer or thin less."
### BEGIN HIDDEN TESTS
import sys as _sys; [_sys.modules.pop(_k) for _k in list(_sys.modules) if _k.split('.')[0] == 'solutions_lib']
from solutions_lib.grading import hidden as _hidden
_hidden.check('chains', chains=chains, model='single')
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_posterior_single", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
medians = np.median(np.asarray(chains, dtype=float).reshape(-1, len(paramnames)), axis=0)
assert medians[3] > 0 and medians[2] > 0, "S0 and rc should be positive: check the parameter order"
assert 0 < medians[5] < 10, "B (counts per pixel) should be a small positive number"
### BEGIN HIDDEN TESTS
import sys as _sys; [_sys.modules.pop(_k) for _k in list(_sys.modules) if _k.split('.')[0] == 'solutions_lib']
from solutions_lib.grading import hidden as _hidden
_hidden.check('posterior', chains=chains, model='single', dataset=dataset_name)
### END HIDDEN TESTS

# %%
chain1 = np.concatenate(np.asarray(chains), axis=0)
plotGTC(chain1, paramNames=paramnames, figureSize=8, customLabelFont={"size": 11}, customTickFont={"size": 9});

# %% [markdown]
# And the model at the posterior median against the data:

# %%
fit = dict(zip(paramnames, np.median(chain1, axis=0)))
fit_profile = Profile(data, fit["x0"], fit["y0"], rmax=600.0)
plot_profiles(fit_profile, fit, title="Single beta model, posterior median");

# %% [markdown]
# ### Your turn: reflect
#
# Does the single-beta model describe your cluster well at every radius? Where does it miss, and
# what might cause that?

# %% [markdown] nbgrader={"grade": true, "grade_id": "reflect_single", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# For a cluster with a bright core, the single component compromises: it undershoots the innermost
# few pixels and overshoots just outside them, while the outskirts and the background are matched.
# A compact cool core is the likely cause.

# %% [markdown]
# ## 7. Inference: two beta components plus background
#
# ### Your turn
#
# Repeat the analysis for the two-component model and store the samples in `chains2`, parameters
# ordered as in `paramnames2`. The test asks for $R < 1.1$ and more than 150 effective samples.
# Starting from the single-beta solution for the shared parameters helps.

# %% nbgrader={"grade": false, "grade_id": "fit_double", "locked": false, "schema_version": 3, "solution": true, "task": false}
# %%time
### BEGIN SOLUTION
fit2_result = solutions_lib.fitting.fit_double(data, seed=2, single=fit1)
chains2 = fit2_result.chains
### END SOLUTION

# %%
fig, ax = plt.subplots(len(paramnames2), 1, figsize=(14, 2.2 * len(paramnames2)))
cr.plot_traces(np.asarray(chains2)[:8], ax, labels=paramnames2)

# %% nbgrader={"grade": true, "grade_id": "test_chains2_format", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
chains2_array = np.asarray(chains2, dtype=float)
assert chains2_array.ndim == 3, f"chains2 should be (n_chains, n_samples, n_params); got shape {chains2_array.shape}"
assert chains2_array.shape[0] >= 4, f"Use at least 4 chains; found {chains2_array.shape[0]}"
assert chains2_array.shape[2] == len(paramnames2), f"Each sample needs {len(paramnames2)} parameters, in paramnames2 order"
assert np.all(np.isfinite(chains2_array)), "chains2 contain NaN or infinite values"
R2 = cr.GelmanRubinR(chains2_array)
print("R =", R2)
assert np.all(R2 < 1.1), f"Not converged: R = {R2}. Run longer, or start closer to the maximum."
neff2 = cr.effective_samples(chains2_array, maxlag=750, throw=True)
print("n_eff =", neff2)
assert np.all(neff2 > 150), f"Too few effective samples: {neff2}. Run longer or thin less."
### BEGIN HIDDEN TESTS
import sys as _sys; [_sys.modules.pop(_k) for _k in list(_sys.modules) if _k.split('.')[0] == 'solutions_lib']
from solutions_lib.grading import hidden as _hidden
_hidden.check('chains', chains=chains2, model='double')
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_posterior_double", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
medians2 = np.median(np.asarray(chains2, dtype=float).reshape(-1, len(paramnames2)), axis=0)
assert np.all(medians2[[2, 3, 6, 7]] > 0), "Normalisations and core radii should be positive: check the order"
### BEGIN HIDDEN TESTS
import sys as _sys; [_sys.modules.pop(_k) for _k in list(_sys.modules) if _k.split('.')[0] == 'solutions_lib']
from solutions_lib.grading import hidden as _hidden
_hidden.check('posterior', chains=chains2, model='double', dataset=dataset_name)
### END HIDDEN TESTS

# %%
chain2 = np.concatenate(np.asarray(chains2), axis=0)
plotGTC(chain2, paramNames=paramnames2, figureSize=11, customLabelFont={"size": 11}, customTickFont={"size": 8});

# %%
fit2 = dict(zip(paramnames2, np.median(chain2, axis=0)))
fit2_profile = Profile(data, fit2["x0"], fit2["y0"], rmax=600.0)
fig, ax = plt.subplots(1, 2, figsize=(13, 4.5))
for axis, params, profile, title in ((ax[0], fit2, fit2_profile, "Two beta components"),
                                     (ax[1], fit, fit_profile, "One beta component")):
    axis.loglog(profile.r, profile.N / profile.E, "k.", label="data")
    axis.plot(profile.r, model_surface_brightness(profile.r, params) + params["B"] * profile.npix / profile.E,
              "-", label="model")
    axis.plot(profile.r, params["B"] * profile.npix / profile.E, ":", label="background")
    axis.set_xlabel("radius (pixels)")
    axis.set_ylabel("surface brightness (counts s$^{-1}$ cm$^{-2}$ pix$^{-1}$)")
    axis.set_title(title)
    axis.legend(fontsize=8)

# %% [markdown]
# ### Your turn: reflect
#
# Is the two-component model a real improvement for your cluster? Look at the profile near the
# centre and at the posteriors of the second component.

# %% [markdown] nbgrader={"grade": true, "grade_id": "reflect_double", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# Yes: the compact component follows the bright centre that the single model missed, and the
# extended one carries the outskirts. All nine parameters are well constrained, so the extra
# component is supported by the data rather than fitting noise.

# %% [markdown]
# ## 8. Which model do the data prefer?
#
# The deviance is $D(\theta) = -2 \ln \mathcal{L}(\theta)$ (the likelihood, not the posterior). The
# DIC adds to the mean deviance over the posterior a penalty for complexity, the effective number of
# parameters $p_D = \overline{D} - D(\bar\theta)$:
#
# $$ \mathrm{DIC} = \overline{D} + p_D. $$
#
# Lower is better. Thinning each chain to about 1000 samples is plenty here.
#
# ### Your turn
#
# Compute `DIC1` for the single-beta chains and `DIC2` for the two-component chains.

# %% nbgrader={"grade": false, "grade_id": "dic", "locked": false, "schema_version": 3, "solution": true, "task": false}
# %%time
### BEGIN SOLUTION
DIC1 = solutions_lib.fitting.compute_dic(chains, data, "single")
DIC2 = solutions_lib.fitting.compute_dic(chains2, data, "double")
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_dic", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
print("DIC, one component: ", DIC1)
print("DIC, two components:", DIC2)
assert np.isfinite(DIC1) and np.isfinite(DIC2), "Both DICs should be finite numbers"
assert np.ndim(DIC1) == 0 and np.ndim(DIC2) == 0, "DIC1 and DIC2 should be single numbers"
### BEGIN HIDDEN TESTS
import sys as _sys; [_sys.modules.pop(_k) for _k in list(_sys.modules) if _k.split('.')[0] == 'solutions_lib']
from solutions_lib.grading import hidden as _hidden
_hidden.check('dic', DIC1=DIC1, DIC2=DIC2, dataset=dataset_name)
### END HIDDEN TESTS

# %% [markdown]
# ### Your turn: reflect
#
# How large is `DIC1 - DIC2`, and does it agree with what the profiles showed you?

# %% [markdown] nbgrader={"grade": true, "grade_id": "reflect_dic", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# The difference is large and positive (hundreds or more for a strong core), so the two-component
# model is strongly preferred, in line with the better fit of the central profile. The extra three
# parameters cost only about three units of DIC.

# %% [markdown]
# ## 9. For the class comparison
#
# Run the cell below and paste its output into the class table, so we can see how the preferred
# model varies from cluster to cluster.

# %%
print(safe_dump({"dataset": dataset_name,
                 "single": {name: float(value) for name, value in fit.items()},
                 "double": {name: float(value) for name, value in fit2.items()},
                 "DIC1_minus_DIC2": float(DIC1 - DIC2)}, sort_keys=False))

# %% [markdown]
# ## Wrapping up
#
# You fitted a realistic X-ray image pixel by pixel with a Poisson likelihood, handled masks and
# exposure properly, checked your chains, and compared two models. Common practice in the
# literature is often cruder: the centre fixed by hand and a fit to a 1-D profile. A fuller analysis
# would also model the vignetted cosmic X-ray background, the PSF near the core, and departures
# from circular symmetry.
