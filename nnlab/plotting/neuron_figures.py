"""Figures of the neuron lab: each frame kind and view becomes two plots (top and bottom)."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.plotting.spec import Figure, Picture, Series, data_range, padded

VIEWS: dict[str, tuple[str, ...]] = {
    "hh": ("trace", "gates", "phase"),
    "lif": ("trace",),
    "synapse": ("train", "kernels"),
    "pair": ("trace",),
    "population": ("trace", "map"),
    "activation": ("curves",),
    "fi": ("curve",),
}
"""Views each frame kind offers, in the order the `v` key cycles them."""

DEFAULT_WINDOW = {"hh": 100.0, "lif": 0.2, "synapse": 0.5, "pair": 0.2, "population": 2.0}
"""Visible time span of the trace views, in the model's time unit."""

GATE_ROLES = ("success", "accent", "error")
MAX_CURVES = 60
"""Most tuning curves drawn (beyond that they fill the plot)."""
LAST_RUN_SPAN = {"hh": 100.0, "lif": 0.1}
"""How much of the last run of an F-I sweep is drawn (ms for HH, s for LIF)."""


def time_window(t_now: float, window: float) -> tuple[float, float]:
    """x range of a scrolling trace: the last `window` of time, starting at 0 until it fills."""
    lo = max(0.0, t_now - window)
    return (lo, lo + window)


def _visible(t: np.ndarray, xlim: tuple[float, float]) -> slice:
    a = max(int(np.searchsorted(t, xlim[0], side="left")) - 1, 0)
    b = min(int(np.searchsorted(t, xlim[1], side="right")) + 1, len(t))
    return slice(a, b)


def _spike_marks(spike_t: np.ndarray, xlim: tuple[float, float], role: str = "warning") -> Series:
    sel = spike_t[(spike_t >= xlim[0]) & (spike_t <= xlim[1])]
    return Series(sel, sel, kind="vlines", role=role, label="spike" if len(sel) else "")


def _raster(frame_t: float, spike_t: np.ndarray, spike_i: np.ndarray, n: int, xlim: tuple[float, float],
            title: str, unit: str) -> Figure:
    keep = (spike_t >= xlim[0]) & (spike_t <= xlim[1])
    return Figure(title, (Series(spike_t[keep], spike_i[keep].astype(np.float64), kind="points", role="primary"),),
                  xlim, (0.0, float(max(n - 1, 1))), xlabel=unit, notes=(f"{n} neurons",), integer_y=True)


def neuron_figures(frame: Any, view: str, window: float | None = None) -> tuple[Figure, Figure | Picture]:
    """The two figures for a neuron-lab frame in the given view."""
    d = frame.data
    kind = d["kind"]
    win = window or DEFAULT_WINDOW.get(kind, 1.0)
    return {
        "hh": _hh,
        "lif": _lif,
        "synapse": _synapse,
        "pair": _pair,
        "population": _population,
        "activation": _activation,
        "fi": _fi,
    }[kind](frame, view, win)


def _hh(frame: Any, view: str, win: float) -> tuple[Figure, Figure]:
    d = frame.data
    t = d["t"]
    v = d["v"][:, 0]
    if view == "gates":
        V = d["gate_v"]
        now = float(v[-1])
        marks = Series(np.array([now]), np.array([now]), kind="vlines", role="warning", label=f"V = {now:.1f}")
        inf = tuple(Series(V, d["x_inf"][k], role=GATE_ROLES[k], label=f"{g}_inf") for k, g in enumerate("nmh"))
        taus = tuple(Series(V, d["tau"][k], role=GATE_ROLES[k], label=f"tau_{g}") for k, g in enumerate("nmh"))
        top = Figure("steady states", inf + (marks,), (V[0], V[-1]), (-0.05, 1.05), xlabel="mV")
        bottom = Figure("time constants (ms)", taus + (marks,), (V[0], V[-1]),
                        padded(0.0, float(np.max(d["tau"])), 0.03), xlabel="mV")
        return top, bottom
    xlim = time_window(frame.t, win)
    sl = _visible(t, xlim)
    spikes = d["spike_t"][d["spike_i"] == 0]
    rate_note = (f"{len(spikes)} spike{'' if len(spikes) == 1 else 's'}",)
    if view == "phase":
        n = d["n"][:, 0]
        vlim = padded(min(-80.0, float(v[sl].min())), max(40.0, float(v[sl].max())))
        top = Figure("phase plane: n against V", _nullclines(d, vlim) + (
            Series(v[sl], n[sl], role="primary", label="trajectory"),
            Series(v[-1:], n[-1:], kind="points", role="warning", label="now"),
        ), vlim, padded(min(0.2, float(n[sl].min())), max(0.8, float(n[sl].max()))), xlabel="V (mV)")
    else:
        top = Figure("V (mV)", (
            Series(t[sl], v[sl], role="primary", label="V"),
            Series(np.array([0.0]), np.array([d["threshold"]]), kind="hline", role="foreground",
                   label=f"spike at {d['threshold']:g} mV"),
        ), xlim, padded(min(-80.0, float(v[sl].min())), max(40.0, float(v[sl].max()))), xlabel="ms", notes=rate_note)
    if d["n_neurons"] > 1 and view == "trace":
        bottom = _raster(frame.t, d["spike_t"], d["spike_i"], d["n_neurons"], xlim, "raster (neuron by current)",
                         "ms")
    elif view == "phase":
        bottom = Figure("V (mV)", (Series(t[sl], v[sl], role="primary"),), xlim,
                        padded(min(-80.0, float(v[sl].min())), max(40.0, float(v[sl].max()))), xlabel="ms")
    else:
        cur = d["current"]
        gates = tuple(Series(t[sl], d[g][sl, 0], role=GATE_ROLES[k], label=g) for k, g in enumerate("nmh"))
        lo, hi = float(cur[sl].min()), float(cur[sl].max())
        scaled = (cur[sl] - lo) / (hi - lo) if hi > lo else np.full(len(cur[sl]), 0.0)
        inp = Series(t[sl], scaled * 0.98, role="foreground", label=f"I ({lo:.3g}..{hi:.3g})")
        bottom = Figure("gates", gates + (inp,), xlim, (-0.02, 1.02), xlabel="ms")
    return top, bottom


def hh_nullclines(V: np.ndarray, params: Any, h: float, current: float) -> tuple[np.ndarray, np.ndarray]:
    """The nullclines of the HH phase plane (n against V) at the membrane potentials V (mV).

    V-nullcline, dV/dt = 0 with the fast m at its steady state m_inf(V) and h held at its present value:
        g_K n^4 (V - E_K) = I - g_Na m_inf(V)^3 h (V - E_Na) - g_L (V - E_L)
    so n = (right side / (g_K (V - E_K)))^(1/4), where that ratio lies in [0, 1] (NaN elsewhere).
    n-nullcline, dn/dt = 0: n = n_inf(V) = alpha_n / (alpha_n + beta_n).
    `params` is the HHParams in force (conductances mS/cm^2, reversal potentials mV, rate set); `current`
    the input (uA/cm^2). Returns (n on the V-nullcline, n on the n-nullcline), each shaped like V.
    """
    from nnlab.core.neuron.hh_model import gate_curves

    V = np.asarray(V, dtype=np.float64)
    x_inf, _ = gate_curves(V, params.rates == "course")
    n_inf, m_inf = x_inf[0], x_inf[1]
    rest = current - params.g_na * m_inf**3 * h * (V - params.e_na) - params.g_l * (V - params.e_l)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = rest / (params.g_k * (V - params.e_k))
    n_v = np.full_like(V, np.nan)
    inside = (ratio >= 0.0) & (ratio <= 1.0)
    n_v[inside] = ratio[inside] ** 0.25
    return n_v, n_inf


def _nullclines(d: dict[str, Any], vlim: tuple[float, float]) -> tuple[Series, ...]:
    """The two nullclines over the phase plane's V range, when the frame carries its params."""
    params = d.get("params")
    if params is None:
        return ()
    h = float(d["h"][-1, 0])
    current = float(d.get("i_now", d["current"][-1]))
    V = np.linspace(vlim[0], vlim[1], 400)
    n_v, n_inf = hh_nullclines(V, params, h, current)
    return (Series(V, n_v, role="accent", label=f"dV/dt = 0 (h = {h:.2f})"),
            Series(V, n_inf, role="success", label="dn/dt = 0"))


def _lif(frame: Any, view: str, win: float) -> tuple[Figure, Figure]:
    d = frame.data
    t = d["t"]
    xlim = time_window(frame.t, win)
    sl = _visible(t, xlim)
    v = d["v"][:, 0]
    spikes = d["spike_t"][d["spike_i"] == 0]
    vin = float(d["v_in"][0])
    top = Figure("v", (
        Series(t[sl], v[sl], role="primary", label="v"),
        Series(np.array([0.0]), np.array([1.0]), kind="hline", role="foreground", label="threshold 1"),
        _spike_marks(spikes, xlim),
    ), xlim, (-0.05, 1.1), xlabel="s", notes=(f"G = {d['analytic_hz']:.2f} Hz",))
    if d["n_neurons"] > 1:
        bottom = _raster(frame.t, d["spike_t"], d["spike_i"], d["n_neurons"], xlim,
                         f"raster (v_in {vin:g} .. {float(d['v_in'][-1]):g})", "s")
    else:
        J = _input_of(d, sl)
        bottom = Figure("input J(t)", (Series(t[sl], J, role="accent", label="J"),
                                      Series(np.array([0.0]), np.array([1.0]), kind="hline", role="foreground",
                                             label="threshold 1")),
                        xlim, data_range(J, np.array([0.0, 1.0])), xlabel="s")
    return top, bottom


def _input_of(d: dict[str, Any], sl: slice) -> np.ndarray:
    """J(t) of neuron 0: the stored time course through neuron 0's gain and bias."""
    return d["gain0"] * d["drive"][sl] + d["bias0"]


def _synapse(frame: Any, view: str, win: float) -> tuple[Figure, Figure]:
    d = frame.data
    t = d["t"]
    xlim = time_window(frame.t, win)
    sl = _visible(t, xlim)
    current = Figure("current s(t)", (
        Series(t[sl], d["exact"][sl], role="primary", label="convolution"),
        Series(t[sl], d["euler"][sl], kind="points", role="warning", label="Euler"),
    ), xlim, data_range(d["exact"][sl], d["euler"][sl], np.array([0.0])), xlabel="s")
    if view == "kernels":
        kt = d["kernel_t"]
        series = tuple(Series(kt, d["kernels"][k], role=("primary" if k == d["order"] else r),
                              label=f"n={k}" + (" *" if k == d["order"] else ""))
                       for k, r in zip(range(3), ("success", "accent", "error")))
        top = Figure("PSC kernels h(t)", series, (0.0, float(kt[-1])), data_range(d["kernels"]), xlabel="s")
        return top, current
    spikes = d["spike_t"]
    keep = spikes[(spikes >= xlim[0]) & (spikes <= xlim[1])]
    train = Figure("presynaptic spikes a(t)", (Series(keep, keep, kind="vlines", role="accent", label="spike"),),
                   xlim, (0.0, 1.0), xlabel="s", notes=(f"{len(spikes)} spike{'' if len(spikes) == 1 else 's'}",))
    return current, train


def _pair(frame: Any, view: str, win: float) -> tuple[Figure, Figure]:
    d = frame.data
    t = d["t"]
    xlim = time_window(frame.t, win)
    sl = _visible(t, xlim)
    post = d["spike_t"][d["spike_i"] == 1]
    top = Figure("v pre and post", (
        Series(t[sl], d["v_pre"][sl], role="accent", label="pre"),
        Series(t[sl], d["v_post"][sl], role="primary", label="post"),
        Series(np.array([0.0]), np.array([1.0]), kind="hline", role="foreground"),
        _spike_marks(post, xlim),
    ), xlim, (-0.05, 1.1), xlabel="s")
    sign = "excitatory" if d["weight"] >= 0 else "inhibitory"
    bottom = Figure(f"synaptic current s ({sign}, w = {d['weight']:g})",
                    (Series(t[sl], d["s"][sl], role="accent" if d["weight"] >= 0 else "error", label="s"),),
                    xlim, data_range(d["s"][sl], np.array([0.0])), xlabel="s")
    return top, bottom


def _population(frame: Any, view: str, win: float) -> tuple[Figure, Figure | Picture]:
    d = frame.data
    xlim = time_window(frame.t, win)
    top = _raster(frame.t, d["spike_t"], d["spike_i"], d["n_neurons"], xlim, "raster", "s")
    x = d["x_grid"]
    rates = d["tuning"]
    if view == "map":
        order = np.argsort(d["encoders"] * 10.0 + d["intercepts"] * d["encoders"], kind="stable")
        return top, Picture("rates G(J) of every neuron (rows, sorted by encoder and intercept) against x",
                            rates[order], xlabel=f"x from -1 (left) to 1 (right); brightest = {rates.max():.0f} Hz",
                            notes=(f"x now {d['x_now']:+.2f}",))
    bottom = Figure("tuning curves G(alpha e x + beta) (Hz)", _tuning_series(x, rates, d["encoders"]) + (
        Series(np.array([d["x_now"]]), np.array([0.0]), kind="vlines", role="warning", label=f"x = {d['x_now']:+.2f}"),
    ), (-1.0, 1.0), (0.0, 1.04 * max(float(rates.max()), 1.0)), xlabel="x",
        notes=(f"{MAX_CURVES} of {len(rates)} drawn",) if len(rates) > MAX_CURVES else ())
    return top, bottom


def _tuning_series(x: np.ndarray, rates: np.ndarray, enc: np.ndarray) -> tuple[Series, ...]:
    """The first MAX_CURVES tuning curves, coloured by encoder; the legend counts them per encoder (one
    entry per colour, "12 with e = +1", not one per neuron)."""
    rates, enc = rates[:MAX_CURVES], enc[:MAX_CURVES]
    series = []
    for sign, role in ((1, "primary"), (-1, "accent")):
        rows = np.flatnonzero(np.sign(enc) == sign)
        for k, i in enumerate(rows):
            series.append(Series(x, rates[i], role=role, label=f"{len(rows)} with e = {sign:+d}" if k == 0 else ""))
    return tuple(series)


def _activation(frame: Any, view: str, win: float) -> tuple[Figure, Figure]:
    d = frame.data
    z = d["z"]
    roles = ("primary", "accent", "success", "warning", "error", "foreground")
    names = list(d["f"])
    cursor = Series(np.array([d["cursor"]]), np.array([0.0]), kind="vlines", role="foreground",
                    label=f"z = {d['cursor']:.2f}")

    def fig(title: str, values: dict[str, np.ndarray]) -> Figure:
        series = tuple(Series(z, values[n], role=roles[k], label=n + (" *" if n == d["function"] else ""))
                       for k, n in enumerate(names))
        lo = min(float(np.min(values[n])) for n in names)
        hi = max(float(np.max(values[n])) for n in names)
        return Figure(title, series + (cursor,), (float(z[0]), float(z[-1])), padded(lo, hi), xlabel="z")

    return fig("f(z)", d["f"]), fig("f'(z)", d["d"])


def _fi(frame: Any, view: str, win: float) -> tuple[Figure, Figure]:
    d = frame.data
    x_all = d["all_inputs"]
    series = []
    if d["analytic"] is not None:
        series.append(Series(d["x_fine"], d["analytic"], role="primary", label="G(v_in)"))
    series.append(Series(d["inputs"], d["rates"], kind="points", role="warning", label="simulated"))
    if d.get("rheobase") is not None:
        rb = float(d["rheobase"])
        series.append(Series(np.array([rb]), np.array([0.0]), kind="vlines", role="foreground",
                             label="first repetitive firing"))
    hi = max(float(np.max(d["rates"])) if len(d["rates"]) else 0.0,
             float(np.max(d["analytic"])) if d["analytic"] is not None else 0.0, 10.0)
    unit = "uA/cm^2" if d["cell"] == "hh" else "v_in"
    top = Figure("firing rate (Hz)", tuple(series), padded(float(x_all[0]), float(x_all[-1]), 0.02),
                 (0.0, 1.04 * hi), xlabel=unit)
    last = d["last"]
    if last:
        t, v = last["t"], last["v"]
        ylim = (-0.05, 1.1) if d["cell"] == "lif" else padded(-80.0, 40.0)
        span = min(float(t[-1]) if len(t) else 1.0, LAST_RUN_SPAN[d["cell"]])
        sl = _visible(t, (0.0, span))
        bottom = Figure(f"last run: input {last['x']:g} (first {span:g} {'ms' if d['cell'] == 'hh' else 's'})",
                        (Series(t[sl], v[sl], role="primary"),), (0.0, span), ylim,
                        xlabel="ms" if d["cell"] == "hh" else "s")
    else:
        bottom = Figure("last run: none yet (press n)", (), (0.0, 1.0), (0.0, 1.0))
    return top, bottom
