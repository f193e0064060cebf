"""A small word-embedding example for the SOM lab (lecture 31: similar words get similar vectors).

Each word is described by eight features scored 0..1 by hand: living, animal, food, vehicle,
size, speed, domestic, sweet. These stand in for the distributional vectors a word2vec network
would learn (lecture 31); they are written here, not learnt from a corpus, so that the groups the
map should find (animals, fruit and food, vehicles) are known in advance.
"""

from __future__ import annotations

import numpy as np

FEATURES = ("living", "animal", "food", "vehicle", "size", "speed", "domestic", "sweet")

WORDS = {
    "cat": (1, 1, 0, 0, 0.2, 0.5, 1, 0),
    "dog": (1, 1, 0, 0, 0.3, 0.6, 1, 0),
    "horse": (1, 1, 0, 0, 0.7, 0.8, 0.7, 0),
    "cow": (1, 1, 0.3, 0, 0.7, 0.2, 0.8, 0),
    "mouse": (1, 1, 0, 0, 0.05, 0.4, 0.3, 0),
    "lion": (1, 1, 0, 0, 0.6, 0.7, 0, 0),
    "tiger": (1, 1, 0, 0, 0.6, 0.75, 0, 0),
    "elephant": (1, 1, 0, 0, 1.0, 0.3, 0, 0),
    "eagle": (1, 1, 0, 0, 0.3, 0.9, 0, 0),
    "shark": (1, 1, 0.2, 0, 0.7, 0.6, 0, 0),
    "apple": (1, 0, 1, 0, 0.1, 0, 0.5, 0.7),
    "banana": (1, 0, 1, 0, 0.1, 0, 0.5, 0.8),
    "cherry": (1, 0, 1, 0, 0.02, 0, 0.5, 0.8),
    "grape": (1, 0, 1, 0, 0.02, 0, 0.5, 0.9),
    "lemon": (1, 0, 1, 0, 0.1, 0, 0.5, 0.1),
    "bread": (0, 0, 1, 0, 0.15, 0, 1, 0.2),
    "cheese": (0, 0, 1, 0, 0.1, 0, 1, 0.1),
    "cake": (0, 0, 1, 0, 0.2, 0, 1, 1.0),
    "honey": (0, 0, 1, 0, 0.05, 0, 0.8, 1.0),
    "soup": (0, 0, 1, 0, 0.2, 0, 1, 0.1),
    "car": (0, 0, 0, 1, 0.5, 0.7, 0.6, 0),
    "bus": (0, 0, 0, 1, 0.8, 0.5, 0.2, 0),
    "truck": (0, 0, 0, 1, 0.85, 0.5, 0.1, 0),
    "bicycle": (0, 0, 0, 1, 0.25, 0.3, 0.7, 0),
    "train": (0, 0, 0, 1, 1.0, 0.8, 0, 0),
    "plane": (0, 0, 0, 1, 1.0, 1.0, 0, 0),
    "boat": (0, 0, 0, 1, 0.6, 0.4, 0.2, 0),
    "scooter": (0, 0, 0, 1, 0.2, 0.4, 0.6, 0),
}
"""Word -> its eight feature scores."""

GROUPS = {"animal": ("cat", "dog", "horse", "cow", "mouse", "lion", "tiger", "elephant", "eagle", "shark"),
          "food": ("apple", "banana", "cherry", "grape", "lemon", "bread", "cheese", "cake", "honey", "soup"),
          "vehicle": ("car", "bus", "truck", "bicycle", "train", "plane", "boat", "scooter")}
"""The groups the words were written in (for tests and the help)."""


def word_vectors() -> tuple[np.ndarray, tuple[str, ...]]:
    """(len(WORDS), 8) feature rows and the words, in the order above."""
    names = tuple(WORDS)
    return np.array([WORDS[w] for w in names], dtype=np.float64), names
