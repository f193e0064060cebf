"""nnlab: a terminal lab for a neural-networks course."""

__version__ = "0.1.0"
