"""The neuron lab's equation pane: each model's update in symbols, then its last step with the numbers.

Every calculation is a `Calc` whose operands are the state at the start of the last step (and the
Params it ran with) and whose result is what the kernel produced at its end, so a test that
re-evaluates the pane checks the kernels, not a copy of the formula (see `nnlab.core.equation`).

    HH (lecture 1)       C dV/dt = I - I_Na - I_K - I_L,  dx/dt = alpha_x (1 - x) - beta_x x
    LIF (lecture 2)      Euler  v <- v + (dt/tau_m) (J - v);  exact  v <- J + (v - J) exp(-dt/tau_m)
    synapse (lecture 4)  s_k <- s_k (1 - dt/tau_s) + (dt/tau_s) s_(k-1);  stage 0 gains w/tau_s per spike
    pair (lecture 5)     J_post = v_in_post + s
"""

from __future__ import annotations

from typing import Any

from nnlab.core.equation import Calc, EquationLine, Line, Num, fn
from nnlab.core.neuron.kernels.hh import hh_derivs, hh_rates

HH_RULES = {
    "euler": "Euler: x <- x + dt dx/dt",
    "rk4": "RK4: x <- x + dt/6 (k1 + 2k2 + 2k3 + k4)",
    "exp_euler": "exp. Euler: x <- x_inf + (x - x_inf) exp(-dt/tau_x)",
}


def _n(x: float, fmt: str = "g") -> Num:
    return Num(float(x), fmt)


def hh_currents(p: Any, v: float, n: float, m: float, h: float) -> tuple[float, float, float]:
    """(I_Na, I_K, I_L) in uA/cm^2 at the state (v, n, m, h), positive outward."""
    return p.g_na * m**3 * h * (v - p.e_na), p.g_k * n**4 * (v - p.e_k), p.g_l * (v - p.e_l)


def hh_lines(p: Any, before: tuple[float, ...] | None, after: tuple[float, ...], current: float
             ) -> tuple[EquationLine, ...]:
    """HH lines for neuron 0: `before` and `after` are (V, n, m, h) at the start and end of the last step
    (None before the first), `current` the input it received, `p` the Params it ran with."""
    rule = f"C dV/dt = I - I_Na - I_K - I_L      {HH_RULES[p.method]}"
    ions = "I_Na = g_Na m³h (V-E_Na) = {}   I_K = g_K n⁴ (V-E_K) = {}   I_L = g_L (V-E_L) = {}"
    if before is None:
        i_na, i_k, i_l = hh_currents(p, *after)
        return rule, _fill(ions, _n(i_na, ".3f"), _n(i_k, ".3f"), _n(i_l, ".3f"))
    v, n, m, h = before
    v1, n1 = after[0], after[1]
    course = p.rates == "course"
    state = Line("at the start of the step: V = ", _n(v, ".3f"), " mV, n = ", _n(n, ".4f"), ", m = ", _n(m, ".4f"),
                 ", h = ", _n(h, ".4f"), ", I = ", _n(current, ".4g"), " uA/cm²")
    dt, c = _n(p.dt), _n(p.c_m)
    if p.method == "euler":
        i_na, i_k, i_l = hh_currents(p, v, n, m, h)
        an, bn = hh_rates(v, course)[:2]
        return (rule, state, _fill(ions, _n(i_na, ".3f"), _n(i_k, ".3f"), _n(i_l, ".3f")),
                Line(Calc("V <- V + dt (I - I_Na - I_K - I_L)/C =",
                          _n(v, ".3f") + dt * (_n(current) - _n(i_na, ".3f") - _n(i_k, ".3f") - _n(i_l, ".3f")) / c,
                          v1, ".3f"), " mV"),
                Line(Calc("n <- n + dt (alpha_n (1-n) - beta_n n) =",
                          _n(n, ".4f") + dt * (_n(an, ".4f") * (1 - _n(n, ".4f")) - _n(bn, ".4f") * _n(n, ".4f")),
                          n1, ".4f")))
    if p.method == "rk4":
        kv, kn = _rk4_stages(p, before, current)
        return (rule, state,
                Line(Calc("V <- V + dt/6 (k1 + 2k2 + 2k3 + k4) =", _rk4(_n(v, ".3f"), dt, kv), v1, ".3f"), " mV"),
                Line(Calc("n <- n + dt/6 (k1 + 2k2 + 2k3 + k4) =", _rk4(_n(n, ".4f"), dt, kn), n1, ".4f")))
    an, bn = hh_rates(v, course)[:2]
    g_na, g_k = p.g_na * m**3 * h, p.g_k * n**4
    g = g_na + g_k + p.g_l
    e = (g_na * p.e_na + g_k * p.e_k + p.g_l * p.e_l + current) / g
    n_inf, tau_n = an / (an + bn), 1.0 / (an + bn)
    return (rule, state,
            Line("g = g_Na m³h + g_K n⁴ + g_L = ", _n(g, ".4g"), " mS/cm²,  E = (g_Na m³h E_Na + g_K n⁴ E_K + g_L E_L "
                 "+ I)/g = ", _n(e, ".4g"), " mV"),
            Line(Calc("V <- E + (V - E) exp(-dt g/C) =",
                      _n(e, ".4g") + (_n(v, ".3f") - _n(e, ".4g")) * fn("exp", -dt * _n(g, ".4g") / c), v1, ".3f"),
                 " mV"),
            Line(Calc("n <- n_inf + (n - n_inf) exp(-dt/tau_n) =",
                      _n(n_inf, ".4f") + (_n(n, ".4f") - _n(n_inf, ".4f")) * fn("exp", -dt / _n(tau_n, ".4g")),
                      n1, ".4f")))


def _rk4_stages(p: Any, y: tuple[float, ...], current: float) -> tuple[list[float], list[float]]:
    """dV/dt and dn/dt at the four RK4 stages from the state y, as the kernel evaluates them."""
    args = (current, p.c_m, p.g_na, p.g_k, p.g_l, p.e_na, p.e_k, p.e_l, p.rates == "course")
    half = 0.5 * p.dt
    k1 = hh_derivs(*y, *args)
    k2 = hh_derivs(*(a + half * k for a, k in zip(y, k1)), *args)
    k3 = hh_derivs(*(a + half * k for a, k in zip(y, k2)), *args)
    k4 = hh_derivs(*(a + p.dt * k for a, k in zip(y, k3)), *args)
    return [k[0] for k in (k1, k2, k3, k4)], [k[1] for k in (k1, k2, k3, k4)]


def _rk4(x: Num, dt: Num, k: list[float]) -> Any:
    k1, k2, k3, k4 = (_n(v, ".4g") for v in k)
    return x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def _fill(template: str, *nums: Num) -> Line:
    """A Line of `template`'s text with each {} replaced by the next number."""
    pieces = template.split("{}")
    parts: list[Any] = [pieces[0]]
    for num, text in zip(nums, pieces[1:]):
        parts += [num, text]
    return Line(*(x for x in parts if x != ""))


def lif_lines(p: Any, last: Any, v_now: float, ref_now: float, spikes: Any, t_start: float
              ) -> tuple[EquationLine, ...]:
    """LIF lines for neuron 0: `last` = (v, ref, J) at the start of the last step (None before the first),
    `v_now`/`ref_now` the kernel's state at its end, `spikes` the times neuron 0 fired in it,
    `t_start` the time the step began and `p` the Params it ran with."""
    if p.method == "euler":
        rules = ("tau_m dv/dt = J - v ;  v >= 1: spike, v <- 0, hold round(tau_ref/dt) steps",
                 "forward Euler:  v <- v + (dt / tau_m) (J - v)")
    else:
        rules = ("tau_m dv/dt = J - v ;  v >= 1: spike at the crossing time, v <- 0, hold tau_ref",
                 "exact:  v <- J + (v - J) exp(-dt / tau_m);  it reaches 1 at t + tau_m ln((J - v)/(J - 1))")
    if last is None:
        return rules
    v, ref, J = (float(x) for x in last)
    dt, tau = _n(p.dt), _n(p.tau_m)
    if p.method == "euler":
        if ref > 0:
            return (*rules, Line("refractory: v held at 0 (", _n(ref_now), " steps left)"))
        if len(spikes):
            return (*rules, Line("v reached 1 (from v = ", _n(v, ".4f"), " with J = ", _n(J, ".4f"),
                                 "): spike at t = ", _n(spikes[0], ".6g"), " s; v <- 0, held ", _n(ref_now),
                                 " steps"))
        return (*rules, Line(Calc("v <-", _n(v, ".4f") + dt / tau * (_n(J, ".4f") - _n(v, ".4f")), v_now, ".4f")))
    if ref >= p.dt:
        return (*rules, Line("refractory: v held at 0 (", _n(ref_now * 1000, ".4g"), " ms left)"))
    free, u = (ref, 0.0) if ref > 0 else (0.0, v)
    if len(spikes):
        start = _n(t_start + free, ".6g")
        more = f" (and {len(spikes) - 1} more in this step)" if len(spikes) > 1 else ""
        return (*rules, Line(Calc("spike at t =", start + tau * fn("ln", (_n(J, ".4f") - _n(u, ".4f"))
                                                               / (_n(J, ".4f") - 1)), float(spikes[0]), ".6g"),
                             f" s{more}; v <- 0, held tau_ref; v = ", _n(v_now, ".4f")))
    if ref > 0:
        return (*rules, Line(Calc("refractory until t + r, then v <- J (1 - exp(-(dt - r)/tau_m)) =",
                                  _n(J, ".4f") * (1 - fn("exp", -(dt - _n(ref, ".4g")) / tau)), v_now, ".4f")))
    return (*rules, Line(Calc("v <-", _n(J, ".4f") + (_n(v, ".4f") - _n(J, ".4f")) * fn("exp", -dt / tau),
                              v_now, ".4f")))


def synapse_lines(p: Any, last: Any, stages: Any, exact: float) -> tuple[EquationLine, ...]:
    """Synapse lines: `last` = the stages at the start of the last step, then its spike count (None before
    the first), `stages` the kernel's stages at its end, `exact` the convolution now."""
    rules: tuple[EquationLine, ...] = (
        f"h(t) = t^n exp(-t/tau_s) / (n! tau_s^(n+1)),  n = {p.n}, tau_s = {p.tau_s:g} s;  s(t) = sum_p w h(t - t_p)",
        "Euler (Algorithm 1): s <- s (1 - dt/tau_s); a spike adds w/tau_s" + (
            f" to s_0; order n = {p.n}: {p.n + 1} filters in cascade, s_k <- s_k (1 - dt/tau_s) + (dt/tau_s) "
            f"s_(k-1), s = s_{p.n}" if p.n else ""))
    conv = Line("convolution: s(t) = ", _n(exact, ".4f"))
    if last is None:
        return (*rules, conv)
    n = len(stages) - 1
    count = float(last[n + 1])
    dt, tau, w = _n(p.dt), _n(p.tau_s), _n(p.weight)
    decay = 1 - dt / tau
    first = _n(last[0], ".4f") * decay
    if count:
        first = first + (w / tau if count == 1 else _n(count) * w / tau)
    name = "s" if n == 0 else "s_0"
    lines: list[EquationLine] = [*rules, Line(Calc(f"{name} <-", first, float(stages[0]), ".4f"))]
    if n:
        lines.append(Line(Calc(f"s = s_{n} <-", _n(last[n], ".4f") * decay + dt / tau * _n(last[n - 1], ".4f"),
                               float(stages[n]), ".4f")))
    lines.append(conv)
    return tuple(lines)


def pair_lines(p: Any, last: Any, now: Any, pre_spiked: bool, post_spiked: bool, mean_j: float
               ) -> tuple[EquationLine, ...]:
    """Pair lines: `last` = (v_pre, v_post, s, ref_pre, ref_post, J_post) at the start of the last step (J_post
    as the kernel used it; None before the first), `now` = (v_pre, v_post, s) at its end."""
    rule = "tau_m dv/dt = J - v (both);  tau_s ds/dt = -s;  presynaptic spike: s <- s + w/tau_s"
    mean = Line("mean J_post = v_in_post + w r_pre = ", _n(mean_j, ".3f"))
    if last is None:
        return rule, mean
    s0, ref_post, j_post = float(last[2]), float(last[4]), float(last[5])
    v_post, s_now = float(last[1]), float(now[2])
    dt = _n(p.dt)
    s = _n(s0, ".4f") * (1 - dt / _n(p.tau_s))
    if pre_spiked:
        s = s + _n(p.weight) / _n(p.tau_s)
    lines: list[EquationLine] = [
        rule,
        Line(Calc("s <- s (1 - dt/tau_s)" + (" + w/tau_s =" if pre_spiked else " ="), s, s_now, ".4f"),
             "   (a presynaptic spike this step)" if pre_spiked else ""),
        Line(Calc("J_post = v_in_post + s =", _n(p.v_in_post) + _n(s_now, ".4f"), j_post, ".4f"), ";  ",
             *mean.parts),
    ]
    if ref_post > 0:
        lines.append("v_post: refractory, held at 0")
    elif post_spiked:
        lines.append(Line("v_post <- v_post + (dt/tau_m) (J_post - v_post) reached 1: spike, v_post <- 0"))
    else:
        lines.append(Line(Calc("v_post <- v_post + (dt/tau_m) (J_post - v_post) =",
                               _n(v_post, ".4f") + dt / _n(p.tau_m) * (_n(j_post, ".4f") - _n(v_post, ".4f")),
                               float(now[1]), ".4f")))
    return tuple(lines)


def rate_calc(count: int, first: float, last: float, rate: float, unit: str) -> Calc:
    """rate = (spikes - 1) / (last - first spike time) in Hz, with the rate the sweep recorded (times in `unit`)."""
    span = _n(last, ".6g") - _n(first, ".6g")
    seconds = span / 1000 if unit == "ms" else span
    return Calc("rate = (spikes - 1)/(last - first spike) =", (_n(count, "d") - 1) / seconds, rate, ".3f")


SOFTPLUS_SHOWN = -20.0
"""Below this z, ln(1 + e^z) evaluated as written loses the digits the model keeps (it uses log1p)."""


def activation_lines(function: str, formula: str, z: float, f: float, d: float) -> tuple[EquationLine, ...]:
    """The activation `function` and its slope at the cursor z, with the values the model computed (f, d)."""
    x = _n(z, ".4g")
    value = {
        "logistic": lambda: Calc("sigma(z) = 1/(1 + exp(-z)) =", 1 / (1 + fn("exp", -x)), f, ".6g"),
        "arctan": lambda: Calc("arctan(z) =", fn("atan", x), f, ".6g"),
        "tanh": lambda: Calc("tanh(z) =", fn("tanh", x), f, ".6g"),
        "relu": lambda: Calc("max(0, z) =", fn("max", 0, x), f, ".6g"),
        "softplus": lambda: Calc("ln(1 + e^z) =", fn("ln", 1 + fn("exp", x)), f, ".6g"),
    }
    slope = {
        "logistic": lambda: Calc("sigma'(z) = sigma (1 - sigma) =", _n(f, ".6g") * (1 - _n(f, ".6g")), d, ".6g"),
        "arctan": lambda: Calc("arctan'(z) = 1/(1 + z^2) =", 1 / (1 + x ** 2), d, ".6g"),
        "tanh": lambda: Calc("tanh'(z) = 1 - tanh(z)^2 =", 1 - _n(f, ".6g") ** 2, d, ".6g"),
        "softplus": lambda: Calc("softplus'(z) = 1/(1 + exp(-z)) =", 1 / (1 + fn("exp", -x)), d, ".6g"),
    }
    head = Line("z = ", x, ":  ")
    if function == "softplus" and z < SOFTPLUS_SHOWN:
        first = Line(*head.parts, "ln(1 + e^z) = ", _n(f, ".6g"), " (about e^z)")
    elif function in value:
        first = Line(*head.parts, value[function]())
    else:
        first = Line(*head.parts, "f(z) = ", _n(f, "g"), " (z >= 0)" if z >= 0 else " (z < 0)")
    second = Line(slope[function]()) if function in slope else Line("f'(z) = ", _n(d, "g"))
    return f"{function}: {formula}", first, second
