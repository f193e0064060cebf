"""Knobs of the RBM lab (lectures 17-20: Boltzmann machines, contrastive divergence).

The lecture's conventions throughout: E(v, h) = -h^T W v + v^T b + h^T c, W of shape
(n_h, n_v); statistics from sampled states, S = h v^T averaged over the batch; updates
W += kappa (S1 - S2), b -= gamma (v1 - v2), c -= gamma (h1 - h2) (the biases' minus sign
follows from their plus sign in E).
"""

from __future__ import annotations

from dataclasses import dataclass

from nnlab.core.knobs import ParamError, ParamsBase, knob

DATASETS = ("onehot3", "bars_stripes", "digits", "file")
"""onehot3: the lecture's 3-visible example; bars_stripes: 4x4 bars and stripes; digits: the bundled 8x8
digits binarised; file: `data_file`."""

VISIBLE = {"onehot3": 3, "bars_stripes": 16, "digits": 64}
"""Visible units of every bundled data set."""

EXPERIMENTS = ("train", "boltzmann", "sample")
RBM_LEVELS = ("half", "update", "epoch")
"""Step sizes: one half Gibbs step (up or down), one CD-k update, one epoch."""
RBM_VIEWS = ("passes", "fields", "curves", "dreams", "exact")

LECTURE_SCHEDULE = (20.0, 10.0, 5.0, 2.0, 1.0)
"""Algorithm 2's annealing: the epochs split evenly over these temperatures."""


@dataclass(frozen=True)
class RBMParams(ParamsBase):
    """A restricted Boltzmann machine trained by contrastive divergence, one half Gibbs step at a time."""

    experiment: str = knob("train", "train: CD-k training; boltzmann: P(on) against dE at several T; sample: "
                           "free Gibbs sampling of a random RBM against its exact distribution",
                           choices=EXPERIMENTS, live=False)
    dataset: str = knob("onehot3", "training data: onehot3 (the lecture's 3-visible example), bars_stripes (4x4), "
                        "digits (8x8, binarised at 8/16), file", choices=DATASETS, live=False)
    data_file: str = knob("", "dataset = file: .npz with an array `x` (or `patterns`) of 0/1 rows, or a .csv of "
                          "0/1 columns", live=False)
    n_samples: int = knob(1000, "onehot3 and bars_stripes: training samples drawn", lo=1, hi=1_000_000, live=False)
    rare: float = knob(0.05, "onehot3: fraction of samples drawn from the other five patterns (the rest one-hot)",
                       lo=0.0, hi=1.0, live=False)
    noise: float = knob(0.0, "probability that each presented bit is flipped (Algorithm 2: add a little noise)",
                        lo=0.0, hi=0.5)
    test_fraction: float = knob(0.0, "fraction held out to compare free energies (overfitting)", lo=0.0, hi=0.9,
                                live=False)
    n_visible: int = knob(3, "visible units (must match the data)", lo=1, hi=4096, live=False)
    n_hidden: int = knob(2, "hidden units", lo=1, hi=4096, live=False)
    k: int = knob(1, "Gibbs steps of the negative phase (CD-k)", lo=1, hi=1000)
    persistent: bool = knob(False, "persistent CD: the negative chain continues from the last update instead "
                            "of restarting at the data", live=False)
    kappa: float = knob(1.0, "weight learning rate kappa: W += kappa (S1 - S2)", lo=0.0, hi=100.0)
    gamma: float = knob(1.0, "bias learning rate gamma: b -= gamma (v1 - v2), c -= gamma (h1 - h2)", lo=0.0,
                        hi=100.0)
    temperature: float = knob(1.0, "temperature T of P(on) = 1/(1 + exp(-dE/T)) when there is no schedule",
                              lo=0.0, hi=1000.0, lo_open=True)
    schedule: tuple[float, ...] = knob((), "annealing temperatures, the epochs split evenly over them (the lecture: "
                                       "20, 10, 5, 2, 1); empty: T = temperature throughout", lo=0.0, hi=1000.0,
                                       lo_open=True)
    epochs: int = knob(2000, "epochs of a run", lo=1, hi=1_000_000)
    batch_size: int = knob(100, "samples per CD update (the statistics are averaged over them)", lo=1,
                           hi=1_000_000, live=False)
    precision: str = knob("float64", "whole epochs in float64, or in float32 (faster on large models; the "
                          "same draws, rounding apart); half steps, single updates and the read-outs stay float64",
                          choices=("float64", "float32"), live=False)
    init_scale: float = knob(0.1, "initial weights N(0, init_scale^2); biases 0", lo=0.0, hi=10.0, live=False)
    samples: int = knob(100_000, "Gibbs samples for the exact check", lo=100, hi=100_000_000)
    chains: int = knob(16, "free-running chains drawn in the dreams view", lo=1, hi=256)
    view: str = knob("passes", "first view: " + ", ".join(RBM_VIEWS), choices=RBM_VIEWS)

    def step_levels(self) -> tuple[str, ...]:
        if self.experiment == "boltzmann":
            return ("temperature", "all")
        if self.experiment == "sample":
            return ("step", "block")
        return RBM_LEVELS

    def unused(self) -> frozenset[str]:
        out = set()
        if self.dataset != "file":
            out.add("data_file")
        if self.dataset not in ("onehot3", "bars_stripes"):
            out.add("n_samples")
        if self.dataset != "onehot3":
            out.add("rare")
        if self.schedule:
            out.add("temperature")
        if self.experiment != "train":
            out |= {"dataset", "data_file", "n_samples", "rare", "noise", "test_fraction", "k", "persistent",
                    "kappa", "gamma", "epochs", "batch_size", "chains", "precision"}
        return frozenset(out)

    def check(self) -> None:
        if self.experiment == "train" and self.dataset in VISIBLE and self.n_visible != VISIBLE[self.dataset]:
            raise ParamError("n_visible", f"{VISIBLE[self.dataset]} for dataset {self.dataset}", f"{self.n_visible}")
        if self.dataset == "file" and self.experiment == "train" and not self.data_file:
            raise ParamError("data_file", "a file name when dataset = file", "an empty string")
        if self.experiment == "sample" and self.n_visible + self.n_hidden > 20:
            raise ParamError("n_hidden", f"n_visible + n_hidden at most 20 for the exact check (2^20 states), "
                             f"so at most {20 - self.n_visible}", f"{self.n_hidden}")

    def temperature_at(self, epoch: int) -> float:
        """T in force during `epoch` (0-based): the schedule's stage, or `temperature`."""
        if not self.schedule:
            return self.temperature
        stage = min(epoch * len(self.schedule) // self.epochs, len(self.schedule) - 1)
        return self.schedule[stage]
