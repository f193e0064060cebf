"""The RNN lab's frames: the shown sequence's states, gates and deltas, the inspector rows, the curves.

The screen follows sequence 0 of the batch in flight (or of the last batch). Steps the forward or
backward pass has not reached yet are NaN, so a picture fills in as the stepper moves.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.core.lab import Frame
from nnlab.core.rnn.equations import equation_lines
from nnlab.core.rnn.params import GATES, OUTPUTS
from nnlab.core.rnn.network import count_note
from nnlab.core.rnn.seq_model import BACKWARD_OPS, FORWARD_OPS, PHASES


RECURRENT = {"rnn": "W", "lstm": "W_f", "gru": "W_r", "mingru": "W"}
"""The recurrent block whose spectral radius the inspector shows (minGRU has none: 0)."""


RADIUS_MAX_H = 256
"""Above this many hidden units the inspector leaves out the recurrent block's radius and norm (eigvals of a
1,024 x 1,024 matrix take seconds, and a single step runs on the UI thread)."""


def _radius(m: Any, bt: Any) -> tuple[float, float]:
    """(spectral radius, 2-norm) of the recurrent block the batch ran with, computed once per batch; NaN for
    minGRU (no W) and for large H."""
    if "radius" not in bt.__dict__:
        W = m.lay.views(bt.theta)["W"][:m.lay.H]
        if not W.size or m.lay.H > RADIUS_MAX_H:
            bt.radius = (float("nan"), float("nan"))
        else:
            bt.radius = (float(np.abs(np.linalg.eigvals(W)).max()), float(np.linalg.norm(W, 2)))
    return bt.radius


def _batch_row(m: Any, bt: Any) -> tuple[str, str, str]:
    """Which sequences the screen shows: the batch in flight, the batch just finished, or all of them."""
    B = bt.xs.shape[1]
    if bt is m.evaluated:
        return ("showing", f"all {B}", f"sequences of {m.T} (no batch yet)")
    if m.bt is None:
        done = m.batch_index if m.batch_index else m.n_batches
        return ("batch", f"{done}/{m.n_batches} done", f"{B} sequences of {m.T}")
    return ("batch", f"{m.batch_index + 1}/{m.n_batches}", f"{B} sequences of {m.T}")


def _reached(m: Any) -> tuple[int, int]:
    """(forward steps complete or begun, first backward step begun) of the batch in flight: all of it between
    batches."""
    if m.bt is None:
        return m.T, 0 if m.last is not None else m.T
    if m.phase == 0:
        return m.t + (1 if m.op > 0 else 0), m.T
    if m.phase == 1:
        return m.T, m.T
    if m.phase == 2:
        return m.T, m.t + (0 if m.op > 0 else 1)
    return m.T, 0


def sequence_arrays(m: Any, bt: Any, b: int, complete: bool = False) -> dict[str, np.ndarray]:
    """Sequence b of a batch: x, y, target (T, .), h (T, H) = h_1..h_T, c (LSTM), gate_<name> (T, H),
    dh (T, H), dh_norm (T,) = |dE/dh_t|; NaN where the passes have not reached yet (complete: both passes
    ran over the whole batch)."""
    if complete:
        fwd, back = m.T, 0
    elif bt is m.bt or (bt is m.last and m.bt is None):
        fwd, back = _reached(m)
    else:
        fwd, back = m.T, m.T
    T = m.T
    f64 = lambda a: np.array(a, np.float64)  # noqa: E731
    mask_f = np.arange(T) < fwd
    mask_b = np.arange(T) >= back

    def fw(a: np.ndarray) -> np.ndarray:
        out = f64(a)
        out[~mask_f] = np.nan
        return out

    out = {"x": f64(bt.xs[:, b]), "target": f64(bt.target[:, b]), "alpha": f64(bt.alpha[:, b]),
           "y": fw(bt.ys[:, b]), "h": fw(bt.hs[1:, b])}
    if m.params.cell == "lstm":
        out["c"] = fw(bt.cs[1:, b])
    H = m.lay.H
    for k, name in enumerate(GATES[m.params.cell]):
        if m.params.cell != "rnn":
            out[f"gate_{name}"] = fw(bt.gates[:, b, k * H:(k + 1) * H])
    if bt is m.bt and m.phase == 0 and m.op > 0:
        shown = FORWARD_OPS[m.params.cell][:m.op]
        for name in ("h", "c", "y", *(f"gate_{g}" for g in GATES[m.params.cell])):
            if name in out and name.removeprefix("gate_") not in shown:
                out[name][m.t] = np.nan
    dh = f64(bt.dhs[:, b]) if len(bt.dhs) else np.full((T, m.lay.H), np.nan)
    dh[~mask_b] = np.nan
    out["dh"] = dh
    out["dh_norm"] = np.hypot.reduce(dh, axis=1)
    return out


def _num(x: float) -> str:
    return f"{x:.4g}" if np.isfinite(x) else "·"


def _vector_row(name: str, v: np.ndarray, n: int = 4) -> tuple[str, str, str]:
    """An inspector row for a vector: unit 1 as the value (the unit the equation pane shows), the first n units
    as the note (which wraps below the row where it does not fit)."""
    shown = ", ".join(_num(x) for x in v[:n])
    return name, _num(v[0]), f"units 1-{min(n, len(v))}: ({shown}{', ...' if len(v) > n else ''})" if len(v) > 1 else ""


def _current(m: Any) -> int | None:
    """The time step (0-based) the last operation worked on; None for the loss, the update, or before any."""
    if m.bt is None:
        return None
    if m.phase == 0:
        return m.t if m.op else (m.t - 1 if m.t else None)
    if m.phase == 1:
        return m.T - 1
    if m.phase == 2:
        return m.t if m.op else (None if m.t == m.T - 1 else m.t + 1)
    return 0


def _phase(m: Any) -> str:
    """The phase of the operation the last step did: forward, loss, backward, update, or idle before any."""
    if m.bt is None:
        return "update" if m.last is not None else "idle"
    if m.phase == 2 and m.op == 0 and m.t == m.T - 1:
        return "loss"
    if m.phase == 1:
        return "forward"
    return "backward" if m.phase == 3 else PHASES[m.phase]


def _op_name(m: Any) -> str:
    """The operation the last step did (or the first of the next batch)."""
    if m.bt is None:
        return "update" if m.last is not None else "start"
    phase = PHASES[m.phase]
    if phase == "forward":
        ops = FORWARD_OPS[m.params.cell]
        return ops[m.op - 1] if m.op else (ops[-1] if m.t else "start")
    if phase == "loss":
        return "y"
    if phase == "backward":
        ops = BACKWARD_OPS[m.params.cell]
        return ops[m.op - 1] if m.op else ("dh_prev" if m.t < m.T - 1 else "loss")
    return BACKWARD_OPS[m.params.cell][-1]


def frame_of(m: Any) -> Frame:
    p = m.params
    bt = m.shown()
    seq = sequence_arrays(m, bt, 0)
    E = bt.E
    rho, norm2 = _radius(m, bt)
    last_loss = m.loss_hist[-1]
    rows = [("epoch", f"{m.epoch}", f"of {p.epochs}"), _batch_row(m, bt), ("phase", _phase(m), _op_name(m))]
    if bt is not m.evaluated:
        rows.append(("E batch", f"{E:.6g}" if np.isfinite(E) else "·", "(1/B) sum alpha_t C" if np.isfinite(E)
                     else "after the forward pass"))
    rows += [("E all", f"{last_loss:.6g}", "every sequence"),
             ("params", f"{m.lay.cell_count():,}", count_note(m.lay))]
    if np.isfinite(rho):
        rows.append((f"rho({RECURRENT[p.cell]})", f"{rho:.4g}", f"|{RECURRENT[p.cell]}|_2 = {norm2:.4g}"))
    if m.acc_hist:
        rows.append(("acc", f"{100 * m.acc_hist[-1]:.1f} %", "steps with a target"))
    if np.isfinite(bt.clip_norm):
        rows.append(("|g|", f"{bt.clip_norm:.4g}", f"clipped to {p.clip:g}" if 0 < p.clip < bt.clip_norm else ""))
    step = _current(m)
    if step is not None:
        rows.append(_vector_row(f"h_{step + 1}", seq["h"][step]))
        for name in GATES[p.cell]:
            if p.cell != "rnn":
                rows.append(_vector_row(f"{name}_{step + 1}", seq[f"gate_{name}"][step]))
        if np.isfinite(seq["dh_norm"][step]):
            rows.append((f"|dE/dh_{step + 1}|", f"{seq['dh_norm'][step]:.4g}", ""))
    data: dict[str, Any] = {
        **seq, "cell": p.cell, "gru_form": p.gru_form, "gate_names": GATES[p.cell], "activation": p.activation,
        "output": OUTPUTS[m.out], "kind": m.data.kind, "vocab": m.data.vocab, "H": m.lay.H, "X": m.lay.X,
        "Y": m.lay.Y, "T": m.T, "phase": _phase(m), "t": m.t, "step_t": _current(m), "op": _op_name(m),
        "epoch": m.epoch, "batch": m.batch_index, "n_batches": m.n_batches, "loss": np.array(m.loss_hist),
        "batch_loss": np.array(m.batch_hist), "accuracy": np.array(m.acc_hist), "rho": rho, "norm2": norm2,
        "truncate": bt.truncate}
    if p.cell == "mingru":
        data["scan"] = _scan_data(m, bt)
    return Frame(t=float(m.epoch), step=m.ops_done, stage=m.said, values=tuple(rows), data=data,
                 equation=equation_lines(m), message=m.blowup, done=m.epoch >= p.epochs)


def _scan_data(m: Any, bt: Any) -> dict[str, Any]:
    """minGRU: h by the sequential loop (the kernels) beside h by the parallel scan, for the shown sequence."""
    from nnlab.core.rnn.kernels import scan

    H, T = m.lay.H, m.T
    fresh = m._batch(bt.rows[:1], backward=False)
    m._forward(fresh, 0, T, bt.theta)
    z, n = fresh.gates[:, :, :H], fresh.gates[:, :, H:]
    rounds = int(np.ceil(np.log2(T))) if T > 1 else 0
    levels = np.zeros((rounds + 1, T, 1, H))
    hs = scan(np.ascontiguousarray(1.0 - z), np.ascontiguousarray(z * n), np.zeros((1, H)), levels)
    loop = fresh.hs[:, 0]
    return {"loop": loop[1:], "scan": hs[1:, 0], "levels": levels[:, :, 0], "rounds": rounds,
            "max_diff": float(np.abs(loop[1:] - hs[1:, 0]).max())}
