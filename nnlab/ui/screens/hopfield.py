"""The Hopfield lab's screen: store patterns, probe, and watch the state fall down the energy."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.binding import Binding

from nnlab.core.hopfield.params import HopfieldParams
from nnlab.core.knobs import ParamsBase
from nnlab.plotting.hopfield_figures import hopfield_figures
from nnlab.plotting.widgets import PlotView
from nnlab.ui.lab_view import LabView

HELP = """\
# Hopfield lab (lectures 14-15)

A content-addressable memory: store patterns, start from a corrupted one, and let the units
update until nothing changes.

*States* x_i are -1 or +1. *Weights* (the Hebb rule): W = (1/n) sum_s x_s x_s^T - I, the
lecture's average co-activation (scaling = "n"); scaling = "N" uses 1/N, the textbook
normalisation. W is symmetric with a zero diagonal.

*Rule*: h_i = sum_j W_ij x_j; x_i = +1 if h_i > b, -1 if h_i < b. A net input exactly at the
threshold follows `tie`: +1 as the lecture says (default), unchanged, or -1.

*Thresholds*: b enters as E = -1/2 x^T W x + b^T x, a threshold the net input must reach
(catalogue section 15). The cheat sheet writes b as a bias added to the net input, the
same model with b of the other sign.

*Energy*: a flip of unit i changes E by -(x_i' - x_i)(h_i - b) <= 0, so asynchronous
updates never raise it; the energy plot marks every update that lowered it. With b = 0,
E(-x) = E(x): the inverse of a stored pattern is an attractor too.

*Updates*: async visits every unit once per sweep, in a new random order (or 0..N-1);
sync updates all units from the same state and can fall into a 2-cycle, which the lab
detects and names. At temperature T > 0 a unit is +1 with probability
1 / (1 + exp(-2 (h_i - b) / T)) (Glauber dynamics; T = 0 is the deterministic rule).

*Modern memory* (memory = modern or both; Ramsauer et al. 2020, with the sign for
bipolar states): x <- sgn(X^T softmax(beta X x)), energy -(1/beta) log sum_s exp(beta x_s.x).
Its capacity grows exponentially with N; compare it on the same probes and sweep. The
inspector's `modern` row and the status give its overlap m with the probed pattern and the
pattern it reached, beside the classical network's.

*Numbering*: stored patterns are numbered from 1 on screen (#1, #2, ..., or their letters;
a drawing stored fourth is pattern 4, "drawn 4"). Only the files count from 0: the
scenario key `target` and the exported metric `recalled` (0 is the first pattern, #1).

*Capacity* (experiment = capacity): for n = 1 .. max_load N random patterns, `trials`
probes with round(noise N) bits flipped; the rate of exact recall. The critical load 0.138
(Amit, Gutfreund & Sompolinsky 1985) is not in the notes, which say only n << N. The
recall rates match the course table (100%, 89.5%, 58%, 9.5%, 0% at n = 5, 10, 14, 20, 30);
its mean final overlaps at n = 20 and 30 (0.807, 0.71) do not: this sweep and an independent
numpy loop give about 0.64 and 0.43, so the table's overlap column likely measures something else.

## Keys

`n` one unit (async) or one step, `N` a sweep, then until stable (`g` chooses), `b` back.
`d` draw: arrows move the cursor, space or Enter toggles the pixel, the mouse toggles the
pixel clicked; `d` or Escape ends drawing. `a` stores the state as a new pattern, `f` flips
a `noise` fraction of its units, `x` clears it, `p` sets it to the next stored pattern
(or click a stored pattern). `v` next view: state, energy, overlap, weights. `e` exports the
traces; the `.npz` holds `patterns`, so a scenario can load your drawings as a pattern file.

Try: `hopfield_letters`, `hopfield_sync_cycle`, `hopfield_capacity`, `hopfield_draw`.
"""

EDIT_KEYS = ("up", "down", "left", "right", "space", "enter")


class HopfieldLab(LabView):
    """The Hopfield lab over a RecallModel or a CapacityModel."""

    BINDINGS = [
        Binding("d", "draw", "Draw"),
        Binding("a", "store", "Store"),
        Binding("f", "corrupt", "Flip bits", show=False),
        Binding("x", "clear", "Clear", show=False),
        Binding("p", "next_pattern", "Next pattern", show=False),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cursor: int | None = None

    def installed(self) -> None:
        self.cursor = None

    def capacity(self) -> bool:
        return getattr(self.params, "experiment", "recall") == "capacity"

    def views(self) -> tuple[str, ...]:
        return ("capacity",) if self.capacity() else ("state", "energy", "overlap", "weights")

    def initial_view(self) -> str:
        view = getattr(self.params, "view", None)
        return view if view in self.views() else self.views()[0]

    def position(self, frame: Any) -> str:
        if self.capacity():
            return f"point {frame.step}"
        unit = "step" if frame.data["whole_steps"] else "update"
        return f"{unit} {frame.step}"

    def figures(self, frame: Any) -> tuple[Any, Any]:
        if not self._cursor_ok():
            self.cursor = None
        return hopfield_figures(frame, self.view, self.cursor)

    def _cursor_ok(self) -> bool:
        """True while drawing on a recall model that has the cursor's unit (a rebuild may remove it)."""
        m = self.model
        return self.cursor is not None and m is not None and not self.capacity() and self.cursor < m.N

    def help_markdown(self) -> str:
        return HELP

    def switch_model(self, name: str) -> ParamsBase:
        return HopfieldParams()

    def step_mode(self, level: int) -> str:
        if self.capacity():
            return "run" if level > 0 else "worker"
        return "inline"

    def _step(self, level: int) -> None:
        """The "stable" size runs through the runner, a frame a sweep: it shows progress and space stops it. At
        the end (a fixed point, a cycle, max_sweeps) a step would change nothing: it says why and keeps no
        history, so that b goes back at once."""
        if self.model is not None and self._build is None and not self.running and self.reached_end():
            self.notify(self._end_notice(), timeout=4)
            return
        if self.model is None or self.running or self.capacity() or self.model.step_levels()[level] != "stable":
            super()._step(level)
            return
        self._start_run(self.remaining_steps(), frame_every=1 if self.model.whole_steps else self.model.N)

    def remaining_steps(self) -> int:
        m = self.model
        left = m.default_steps() - m.steps_total if not self.capacity() else m.default_steps()
        if left <= 0 or (not self.capacity() and m.finished()):
            self.notify(self._end_notice(), timeout=4)
            return 0
        return left

    def _end_notice(self) -> str:
        """What happened at the end, and what to do next."""
        m = self.model
        if self.capacity():
            return "the sweep is done: r starts again"
        if m.period > 1:
            return (f"the state cycles with period {m.period} (synchronous updates): r starts again, or "
                    "update = async settles")
        if m.stable:
            return "the state is settled (a fixed point): f flips bits, r starts again"
        return f"stopped after max_sweeps = {m.params.max_sweeps}: raise max_sweeps to go on, or r starts again"

    def reached_end(self) -> bool:
        m = self.model
        return m.default_steps() <= 0 if self.capacity() else m.finished()

    def pace(self) -> float | None:
        if self.capacity():
            return None
        if self.model.whole_steps:
            return self.scenario.run.speed or 4.0
        return self.scenario.run.speed or float(self.model.N)

    # -- editing ------------------------------------------------------------------------------------
    def _editable(self) -> bool:
        if self.model is None or self.capacity():
            return False
        if self.running:
            self.notify("pause first (space)", timeout=2)
            return False
        return True

    def _edit(self, action: str, *args: Any) -> None:
        if not self._editable():
            return
        self._push_history()
        getattr(self.model, action)(*args)
        self.show_frame(self.model.frame())

    def action_draw(self) -> None:
        if not self._editable():
            return
        if self.cursor is None:
            self.cursor = max(self.model.last_unit, 0)
            self.view = "state"
            self.notify("drawing: arrows move, space toggles, d or Escape ends", timeout=3)
        else:
            self.cursor = None
        self.show_frame(self.model.frame())

    def action_store(self) -> None:
        self._edit("store")

    def action_corrupt(self) -> None:
        self._edit("corrupt")

    def action_clear(self) -> None:
        self._edit("clear")

    def action_next_pattern(self) -> None:
        if self._editable() and len(self.model.P):
            k = self.model.recalled_target()
            self._edit("load_pattern", (k + 1) % len(self.model.P))

    def action_focus_lab(self) -> None:
        if self.cursor is not None:
            self.cursor = None
            if self.model is not None:
                self.show_frame(self.model.frame())
        super().action_focus_lab()

    def on_key(self, event: events.Key) -> None:
        if event.key not in EDIT_KEYS or not self._cursor_ok():
            return
        event.stop()
        event.prevent_default()
        rows, cols = self.model.shape
        r, c = divmod(self.cursor, cols)
        if event.key in ("space", "enter"):
            self._edit("toggle", self.cursor)
            return
        dr, dc = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}[event.key]
        self.cursor = ((r + dr) % rows) * cols + (c + dc) % cols
        self.show_frame(self.model.frame())

    def on_click(self, event: events.Click) -> None:
        if self.model is None or self.capacity() or self.frame is None or self.running:
            return
        plot = self.query_one("#plot-top", PlotView)
        offset = event.get_content_offset(plot)
        if offset is None:
            return
        hit = plot.unit_at(offset.x, offset.y)
        if hit is None:
            return
        tile, r, c = hit
        key = plot.figure.tiles[tile].key
        cols = self.model.shape[1]
        if tile == 1:
            if self.cursor is not None:
                self.cursor = r * cols + c
            self._edit("toggle", r * cols + c)
        elif key >= 0:
            self._edit("load_pattern", key)
        event.stop()
