"""Datasets for the network labs: the course's toy sets, the bundled digits, and CSV, .npz and IDX files."""

from nnlab.core.data.dataset import KINDS, DataError, Dataset, split
from nnlab.core.data.files import load_file
from nnlab.core.data.toy import TOY, make_dataset

__all__ = ["KINDS", "TOY", "DataError", "Dataset", "load_file", "make_dataset", "split"]
