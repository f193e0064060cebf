"""The SOM lab's screen: a Kohonen map unfolding over its data, one stage of one sample at a time."""

from __future__ import annotations

from typing import Any

from nnlab.core.knobs import ParamsBase
from nnlab.core.som.params import SOM_VIEWS, SOMParams
from nnlab.plotting.som_figures import som_figures
from nnlab.ui.lab_view import LabView

HELP = """\
# SOM lab (lecture 20, section 20.2)

A self-organising (Kohonen) map: units on a 2-D lattice, each with a weight vector W_v in the
input space. Trained without labels, neighbouring units come to stand for neighbouring inputs.

*One sample x* (the lecture's algorithm):
1. draw: x, the next sample of this epoch's random order;
2. BMU (competition): u = argmin_v |x - W_v|, Euclidean distance;
3. update: W_v += eta(t) theta(d(v, u)) (x - W_v) for every unit v, d the distance between v
   and u on the lattice.

*Neighbourhood* theta(d): gaussian exp(-d^2 / 2 sigma^2) (the default); bubble 1 within
d <= sigma, else 0; mexican_hat, the lecture's difference of Gaussians (local excitation,
lateral inhibition): (g(sigma) - c g(2 sigma)) / (1 - c), g(s) = exp(-d^2 / 2 s^2), scaled so that
theta(0) = 1. It is negative far from the BMU: those units are pushed away from x. With
c <= 0.1 the map unfolds (measured for the course); larger c contracts or tears it.

*Schedules*: the notes give none. sigma and eta go from (`sigma`, `lr`) to (`sigma_end`,
`lr_end`) over the run, t samples of T = epochs x samples: linear a + (b - a) t/T;
exponential a (b/a)^(t/T) (the default); inverse a / (1 + (a/b - 1) t/T).

*Lattice*: rect, unit (r, c) at (c, r); hex, odd rows shifted right by half a unit and rows
sqrt(3)/2 apart, so that the 6 nearest neighbours are at distance 1.

*Measures*, after every epoch on all the data: quantization error QE, the mean |x - W_BMU|;
topographic error TE, the share of samples whose first and second BMU are not adjacent
(8 neighbours on rect, diagonals included as MiniSom counts them; 6 on hex). U-matrix: each
unit's mean distance to its adjacent units' weights (ridges are cluster borders). Hits: how
many samples each unit wins.

*Views* (`v`): map (a mesh over 2-D data, the map's colours for RGB data in true colour, which a
256-colour terminal shows as its nearest colours, or the labels its samples carry for digits and
words), umatrix, hits, errors, schedule.

## Keys

`n` one stage (draw, BMU, update: the moved units are highlighted), `N` one sample, then an
epoch (`g` chooses), `b` back, `space` run.

Try: `som_square` (QE about 0.044 after training), `som_ring`, `som_colours`, `som_digits`,
`som_words`, `som_mexican_hat`, `som_1d_chain`, `som_hex`, `som_decay_schedules`.
"""


class SOMLab(LabView):
    """The SOM lab over a SOMModel."""

    def views(self) -> tuple[str, ...]:
        return SOM_VIEWS

    def initial_view(self) -> str:
        view = getattr(self.params, "view", None)
        return view if view in SOM_VIEWS else SOM_VIEWS[0]

    def position(self, frame: Any) -> str:
        d = frame.data
        return f"epoch {d['epoch']}  sample {frame.step}  sigma {d['sigma']:.3g}  eta {d['eta']:.3g}"

    def figures(self, frame: Any) -> tuple[Any, Any]:
        return som_figures(frame, self.view)

    def help_markdown(self) -> str:
        return HELP

    def switch_model(self, name: str) -> ParamsBase:
        return SOMParams()

    def step_mode(self, level: int) -> str:
        return "worker" if self.model.step_levels()[level] == "epoch" else "inline"

    def pace(self) -> float | None:
        return self.scenario.run.speed or max(1.0, self.model.T / 15.0)
