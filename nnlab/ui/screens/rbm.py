"""The RBM lab's screen: contrastive divergence one half Gibbs step at a time, and two small experiments."""

from __future__ import annotations

from typing import Any

from nnlab.core.knobs import ParamsBase
from nnlab.core.rbm.params import RBM_VIEWS, RBMParams
from nnlab.plotting.rbm_figures import rbm_figures
from nnlab.ui.lab_view import LabView

HELP = """\
# RBM lab (lectures 17-20)

A restricted Boltzmann machine: binary visible units v and hidden units h, connected only
across the two layers.

*Energy* (the lecture's signs): E(v, h) = -h^T W v + v^T b + h^T c, W of shape (n_h, n_v).
The biases enter E with a plus sign (turning a unit on costs its bias), so their updates
carry a minus sign.

*Gaps and the Boltzmann probability*: dE_j = (W v - c)_j for a hidden unit, (W^T h - b)_k for
a visible one (E with the unit off minus E with it on); P(on) = 1 / (1 + exp(-dE / T)).
T = 0 would be the deterministic rule "on if dE > 0"; large T flattens P towards 1/2.

*CD-k* (the lecture's steps, in matrix form over a batch of B patterns):
1. up: h1 ~ P(h | v1) (recognition), S1 = h1 v1^T (the notes' "v h^T" transposed to W's
   shape, erratum E12);
2. down and up k times: v2 ~ P(v | h), h2 ~ P(h | v2) (generative, then recognition), S2;
3. update: W += kappa (S1 - S2) / B, b -= gamma mean(v1 - v2), c -= gamma mean(h1 - h2).
Statistics use sampled states, as the lecture does. With `persistent` (PCD) the down pass
starts from the chain's last hidden state instead of h1. `schedule` anneals T as
Algorithm 2 (20, 10, 5, 2, 1), the epochs split evenly.

*Free energy*: F(v) = v^T b - T sum_j log(1 + exp((W v - c)_j / T)); a held-out set whose F
rises above the training set's is a sign of overfitting. *Reconstruction error*:
mean (v - P(v | P(h | v)))^2. Both are measured after every epoch on 500 fixed training rows
(and at most 500 held-out rows), as Hinton's practical guide (2010) compares free energies
on a subset, their exp and log in float32 (about 1e-7 relative).

*Dreams*: `chains` chains run freely for 50 Gibbs steps at the current weights and T, from
the same noise and with the same draws every time, so a picture changes only where the model
has changed; they are drawn when the dreams view is shown.

*Random numbers*: each layer drawn takes one seed from the run's generator and its uniforms
from the SplitMix64 stream of that seed, so a half step, an update and a whole epoch draw the
same numbers: stepping and running give the same run. `precision = "float32"` trains whole
epochs in float32 (faster on large models, the same draws, rounding apart).

*Exact check*: with n_v + n_h <= 20 every state is enumerated, P(v, h) = exp(-E/T) / Z; the
exact view shows the model's P(v) beside the data, and experiment = sample runs a Gibbs chain
and compares its visits with P(v, h) (total variation, chi-square).

## Keys

`n` a half Gibbs step (up or down) or the update, `N` a whole CD-k update, then an epoch
(`g` chooses), `b` back. `v` next view: passes, receptive fields, curves, dreams, exact.

Try: `rbm_onehot_3x2` (the lecture's example), `rbm_boltzmann_temperature`,
`rbm_exact_vs_gibbs`, `rbm_bars_stripes`, `rbm_digits`, `rbm_dreams`, `rbm_cd_vs_pcd`.
"""


class RBMLab(LabView):
    """The RBM lab over an RBMTrainModel, a BoltzmannModel or a SamplerModel."""

    def experiment(self) -> str:
        return getattr(self.params, "experiment", "train")

    def views(self) -> tuple[str, ...]:
        return RBM_VIEWS if self.experiment() == "train" else ("main",)

    def initial_view(self) -> str:
        view = getattr(self.params, "view", None)
        return view if view in self.views() else self.views()[0]

    def position(self, frame: Any) -> str:
        if self.experiment() == "train":
            d = frame.data
            return f"epoch {d['epoch']}  update {frame.step}  T = {d['T']:g}"
        return f"step {frame.step}"

    def figures(self, frame: Any) -> tuple[Any, Any]:
        return rbm_figures(frame, self.view)

    def help_markdown(self) -> str:
        return HELP

    def switch_model(self, name: str) -> ParamsBase:
        return RBMParams()

    def step_mode(self, level: int) -> str:
        if self.experiment() == "train":
            return "worker" if self.model.step_levels()[level] == "epoch" else "inline"
        return "worker" if level > 0 else "inline"

    def pace(self) -> float | None:
        if self.experiment() == "train":
            return self.scenario.run.speed or max(1.0, self.params.epochs / 20.0)
        return self.scenario.run.speed or 5.0
