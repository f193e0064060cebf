"""The logistic and tanh of the fused RNN epoch, fast and vectorisable, in the precision of their argument.

float64: exp(x) = 2^n p(r), x = n ln 2 + r, |r| <= ln 2 / 2 (Cody and Waite), p the degree-13 Taylor
         polynomial (relative error below 1e-15); tanh x = sign(x) (1 - e) / (1 + e), e = exp(-2 |x|);
         logistic(x) = 1 / (1 + exp(-x)).
float32: tanh x = x P(x^2) / Q(x^2) on x clamped to [-7.905, 7.905] (Eigen's rational approximation,
         P of degree 6, Q of degree 3; measured within 2.6e-7 of tanh, about 4 float32 ulp);
         logistic(x) = (1 + tanh(x / 2)) / 2.

`tanh` and `logistic` pick the version by the argument's type, so one kernel source serves both
precisions. Neither branches nor raises, so numba vectorises loops over them (error_model="numpy").
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from nnlab.core._jit import njit

__all__ = ["exp64", "logistic", "logistic32", "logistic64", "tanh", "tanh32", "tanh64"]

LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
MAGIC = 6755399441055744.0
"""1.5 2^52: x + MAGIC rounds x to an integer held in the low bits of the mantissa."""
MAGIC_BITS = int(np.float64(MAGIC).view(np.int64))
CLAMP32 = np.float32(7.90531110763549805)
ALPHA = tuple(np.float32(a) for a in (4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05,
                                       5.12229709037114e-08, -8.60467152213735e-11, 2.00018790482477e-13,
                                       -2.76076847742355e-16))
BETA = tuple(np.float32(b) for b in (4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04,
                                      1.19825839466702e-06))
A1, A3, A5, A7, A9, A11, A13 = ALPHA
B0, B2, B4, B6 = BETA
HALF32 = np.float32(0.5)


@njit(fastmath={"contract"})
def exp64(x: float) -> float:
    """exp(x), x clamped to [-708, 708] (no reassociation: Cody-Waite needs its order of operations)."""
    x = x if x > -708.0 else -708.0
    x = x if x < 708.0 else 708.0
    k = x * LOG2E + MAGIC
    n = k - MAGIC
    r = (x - n * LN2_HI) - n * LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    kb = np.float64(k)
    s = np.int64((kb.view(np.int64) - MAGIC_BITS + 1023) << 52)
    return p * s.view(np.float64)


@njit(error_model="numpy")
def tanh64(x: float) -> float:
    e = exp64(-2.0 * abs(np.float64(x)))
    t = (1.0 - e) / (1.0 + e)
    return t if x >= 0.0 else -t


@njit(error_model="numpy")
def logistic64(x: float) -> float:
    return 1.0 / (1.0 + exp64(-np.float64(x)))


@njit(fastmath={"contract", "nsz", "arcp"}, error_model="numpy")
def tanh32(x: np.float32) -> np.float32:
    x = min(max(x, -CLAMP32), CLAMP32)
    x2 = x * x
    p = x2 * A13 + A11
    p = p * x2 + A9
    p = p * x2 + A7
    p = p * x2 + A5
    p = p * x2 + A3
    p = p * x2 + A1
    q = x2 * B6 + B4
    q = q * x2 + B2
    q = q * x2 + B0
    return x * p / q


@njit(fastmath={"contract", "nsz", "arcp"}, error_model="numpy")
def logistic32(x: np.float32) -> np.float32:
    return HALF32 + HALF32 * tanh32(HALF32 * x)


def tanh(x):
    """tanh x in x's precision (see the module docstring)."""
    return np.tanh(x)


def logistic(x):
    """1 / (1 + e^-x) in x's precision (see the module docstring)."""
    return 1.0 / (1.0 + np.exp(-x))


@overload(tanh)
def _tanh_impl(x):
    return (lambda x: tanh32(x)) if x == types.float32 else (lambda x: tanh64(x))


@overload(logistic)
def _logistic_impl(x):
    return (lambda x: logistic32(x)) if x == types.float32 else (lambda x: logistic64(x))


def one(x):
    """1 in x's precision (a float literal would promote float32 arithmetic to float64)."""
    return 1.0


@overload(one)
def _one_impl(x):
    return (lambda x: np.float32(1.0)) if x == types.float32 else (lambda x: 1.0)
