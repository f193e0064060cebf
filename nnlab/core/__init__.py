"""Numerical cores of every lab: numpy and numba only, no terminal imports."""
