"""Knobs of the SOM lab (lecture 20, section 20.2: self-organising maps).

The lecture's update, W_v <- W_v + eta(t) theta(v; u_BMU) (x - W_v), with the BMU the unit
nearest x in Euclidean distance. The notes give no schedule for eta and sigma; nnlab offers
linear, exponential (the catalogue's default) and inverse-time decay from a start to an end
value over the run, and says which is in force on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnlab.core.knobs import ParamError, ParamsBase, knob

DATASETS = ("square", "ring", "clusters", "colours", "digits", "words", "file")
"""square: U[0, 1]^2; ring: an annulus; clusters: two Gaussian blobs; colours: random RGB; digits: the
bundled 8x8 digits; words: a small word-embedding example; file: `data_file`."""
TOPOLOGIES = ("rect", "hex")
NEIGHBOURHOODS = ("gaussian", "bubble", "mexican_hat")
DECAYS = ("linear", "exponential", "inverse")
INITS = ("random", "sample", "pca")
SOM_LEVELS = ("stage", "sample", "epoch")
"""Step sizes: one stage of a sample (draw, find the BMU, update), one sample, one epoch."""
SOM_VIEWS = ("map", "umatrix", "hits", "errors", "schedule")
"""map: the map in input space (2-D data), as colours (3-D data in [0, 1]), or labelled by its samples."""

MAX_UNITS = 10_000


@dataclass(frozen=True)
class SOMParams(ParamsBase):
    """A Kohonen self-organising map: competition for the best-matching unit, then a neighbourhood update."""

    dataset: str = knob("square", "training data: square (uniform on the unit square), ring, clusters (two "
                        "blobs), colours (random RGB), digits (8x8, bundled), words (a small embedding "
                        "example), file", choices=DATASETS, live=False)
    data_file: str = knob("", "dataset = file: a .csv of numbers (one sample a row) or a .npz with an array x "
                          "(and optional labels y)", live=False)
    dim: int = knob(0, "input dimension the map expects (0: whatever the data has); a file with another "
                    "number of columns is refused", lo=0, hi=4096, live=False)
    n_samples: int = knob(1000, "square, ring, clusters and colours: samples drawn", lo=1, hi=1_000_000,
                          live=False)
    rows: int = knob(10, "rows of the map (1: a chain)", lo=1, hi=200, live=False)
    cols: int = knob(10, "columns of the map", lo=1, hi=200, live=False)
    topology: str = knob("rect", "lattice: rect (unit (r, c) at (c, r)) or hex (odd rows shifted right by half a "
                         "unit, rows sqrt(3)/2 apart: 6 neighbours at distance 1)", choices=TOPOLOGIES, live=False)
    neighbourhood: str = knob("gaussian", "theta(d): gaussian exp(-d^2 / 2 sigma^2); bubble 1 within d <= sigma; "
                              "mexican_hat (g(sigma) - c g(2 sigma)) / (1 - c), g(s) = exp(-d^2 / 2 s^2), "
                              "negative far out (lateral inhibition)", choices=NEIGHBOURHOODS)
    inhibition: float = knob(0.1, "mexican_hat: strength c of the inhibitory Gaussian (c <= 0.1 keeps the map "
                             "whole; larger contracts or tears it)", lo=0.0, hi=0.9)
    sigma: float = knob(3.0, "neighbourhood radius sigma at the start, in lattice units (units 1 apart)", lo=0.01,
                        hi=1000.0)
    sigma_end: float = knob(0.5, "sigma at the end of the run", lo=0.01, hi=1000.0)
    lr: float = knob(0.5, "learning rate eta at the start", lo=0.0, hi=1.0, lo_open=True)
    lr_end: float = knob(0.01, "eta at the end of the run", lo=0.0, hi=1.0, lo_open=True)
    decay: str = knob("exponential", "schedule of sigma and eta from start to end over the run (t samples of T): "
                      "linear a + (b - a) t/T; exponential a (b/a)^(t/T); inverse a / (1 + (a/b - 1) t/T)",
                      choices=DECAYS)
    epochs: int = knob(5, "epochs of a run (each presents every sample once, in a new random order)", lo=1,
                       hi=100_000)
    init: str = knob("random", "initial weights: random (uniform in the middle fifth of the data's range), "
                     "sample (random data rows), pca (a grid on the first two principal components)",
                     choices=INITS, live=False)
    view: str = knob("map", "first view: " + ", ".join(SOM_VIEWS), choices=SOM_VIEWS)

    def step_levels(self) -> tuple[str, ...]:
        return SOM_LEVELS

    def unused(self) -> frozenset[str]:
        out = set()
        if self.dataset != "file":
            out.add("data_file")
        if self.dataset not in ("square", "ring", "clusters", "colours"):
            out.add("n_samples")
        if self.neighbourhood != "mexican_hat":
            out.add("inhibition")
        return frozenset(out)

    def check(self) -> None:
        if self.rows * self.cols > MAX_UNITS:
            raise ParamError("cols", f"rows x cols at most {MAX_UNITS:,} units", f"{self.rows} x {self.cols} = "
                             f"{self.rows * self.cols:,}")
        if self.dataset == "file" and not self.data_file:
            raise ParamError("data_file", "a file name when dataset = file", "an empty string")
        if self.dataset == "colours" and self.dim not in (0, 3):
            raise ParamError("dim", "3 (or 0) for dataset colours", str(self.dim))
