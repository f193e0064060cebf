"""Datasets: toy sets against their definitions, the bundled digits, the split, and file loading with its errors.

Fixtures in tests/core/data: xor.csv (header + XOR table), bad-cell.csv, ragged.csv, a 3-image 2x3 IDX
pair tiny-images-idx3-ubyte / tiny-labels-idx1-ubyte (labels 0, 2, 1) and bad-magic-idx3-ubyte.
"""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from nnlab.core.data import TOY, DataError, Dataset, load_file, make_dataset, split

FIXTURES = Path(__file__).parent / "data"

SHAPES = {
    "or": (4, 2, 1, "binary"), "and": (4, 2, 1, "binary"), "xor": (4, 2, 1, "binary"), "nand": (4, 2, 1, "binary"),
    "circles": (101, 2, 1, "binary"), "moons": (101, 2, 1, "binary"), "spirals": (101, 2, 1, "binary"),
    "blobs": (101, 2, 3, "classes"), "sin": (101, 1, 1, "regression"), "line": (101, 1, 1, "regression"),
    "patterns8": (5, 8, 8, "binary"), "digits": (1797, 64, 10, "classes"),
}


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def toy(name: str, noise: float = 0.1, seed: int = 0) -> Dataset:
    return make_dataset(name, 5 if name == "patterns8" else 101, noise, rng(seed))


def write_idx(path: Path, array: np.ndarray, code: int = 0x08, compress: bool = False) -> Path:
    dtype = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    raw = struct.pack(f">BBBB{array.ndim}I", 0, 0, code, array.ndim, *array.shape) + array.astype(dtype).tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


def error_of(path, *args) -> str:
    """The DataError message of load_file(path, *args), checked to be one line starting with a file's path."""
    with pytest.raises(DataError) as info:
        load_file(path, *args)
    text = str(info.value)
    assert "\n" not in text and text.startswith(tuple(str(p) + ": " for p in (path, *args)))
    return text


# toy sets

def test_toy_names_are_the_agreed_ones():
    assert TOY == ("or", "and", "xor", "nand", "circles", "moons", "spirals", "blobs", "sin", "line",
                   "patterns8", "digits")
    assert set(SHAPES) == set(TOY)


@pytest.mark.parametrize("name", TOY)
def test_every_toy_set_has_its_shape_and_kind(name):
    ds = toy(name)
    n, d, k, kind = SHAPES[name]
    assert (ds.x.shape, ds.y.shape, ds.kind, ds.name) == ((n, d), (n, k), kind, name)
    assert ds.x.dtype == ds.y.dtype == np.float64 and len(ds) == n == len(ds.x)
    if kind == "regression" or name == "patterns8":
        assert ds.labels is None
    else:
        assert ds.labels.dtype == np.int64 and ds.labels.shape == (n,)
        assert len(ds.class_names) == max(k, 2)
        one_hot = ds.y if kind == "classes" else np.column_stack([1 - ds.y[:, 0], ds.y[:, 0]])
        assert (one_hot.argmax(axis=1) == ds.labels).all() and (one_hot.sum(axis=1) == 1).all()


@pytest.mark.parametrize(("name", "targets"), [("xor", [0, 1, 1, 0]), ("or", [0, 1, 1, 1]),
                                               ("and", [0, 0, 0, 1]), ("nand", [1, 1, 1, 0])])
def test_gate_tables_are_exact_and_ignore_size_and_noise(name, targets):
    ds = make_dataset(name, 999, 0.5, rng())
    assert ds.x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert ds.y[:, 0].tolist() == targets and ds.labels.tolist() == targets


@pytest.mark.parametrize("name", ["circles", "moons", "spirals", "blobs", "sin", "line", "patterns8"])
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(name):
    a, b, c = toy(name, seed=7), toy(name, seed=7), toy(name, seed=8)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)


@pytest.mark.parametrize("name", ["circles", "moons", "spirals", "blobs"])
def test_classes_are_balanced_shuffled_and_within_the_unit_box(name):
    ds = toy(name, noise=0.0)
    counts = np.bincount(ds.labels)
    assert counts.sum() == 101 and counts.max() - counts.min() <= 1
    assert np.abs(ds.x).max() <= 1.5 + 1e-12 and np.abs(ds.x).max() > 0.5
    assert not (np.diff(ds.labels) >= 0).all()


def test_noise_free_shapes_follow_their_definitions():
    circles = toy("circles", 0.0)
    r = np.hypot(*circles.x.T)
    assert np.allclose(r[circles.labels == 0], 0.5) and np.allclose(r[circles.labels == 1], 1.0)
    moons = toy("moons", 0.0)
    upper = moons.x[moons.labels == 0] + (0.5, 0.25)
    lower = moons.x[moons.labels == 1] + (0.5, 0.25) - (1.0, 0.5)
    assert np.allclose(np.hypot(*upper.T), 1.0) and (upper[:, 1] >= 0).all()
    assert np.allclose(np.hypot(*lower.T), 1.0) and (lower[:, 1] <= 0).all()
    spirals = toy("spirals", 0.0)
    u = np.hypot(*spirals.x.T) / 1.5
    theta = 3.5 * np.pi * u + np.pi * spirals.labels
    assert np.allclose(spirals.x, 1.5 * u[:, None] * np.column_stack([np.sin(theta), np.cos(theta)]))
    blobs = toy("blobs", 0.0)
    assert np.allclose(blobs.x[blobs.labels == 0], [0.0, 1.0])
    assert np.allclose(np.hypot(*blobs.x.T), 1.0)


def test_sin_and_line_are_their_functions_plus_noise_of_the_given_sd():
    sin = make_dataset("sin", 4000, 0.2, rng())
    assert 0 <= sin.x.min() and sin.x.max() <= 1
    assert np.std(sin.y - np.sin(2 * np.pi * sin.x)) == pytest.approx(0.2, rel=0.05)
    line = make_dataset("line", 4000, 0.1, rng())
    assert -1 <= line.x.min() and line.x.max() <= 1 and line.x.min() < -0.99
    assert np.std(line.y - (0.4 * line.x - 0.9)) == pytest.approx(0.1, rel=0.05)
    exact = make_dataset("line", 5, 0.0, rng())
    assert np.allclose(exact.y, 0.4 * exact.x - 0.9)


def test_patterns8_are_distinct_bit_patterns_reconstructed_by_themselves():
    ds = make_dataset("patterns8", 5, 0.0, rng())
    assert np.array_equal(ds.x, ds.y) and np.isin(ds.x, (0, 1)).all()
    assert len({tuple(row) for row in ds.x}) == 5
    assert len({tuple(r) for r in make_dataset("patterns8", 256, 0.0, rng()).x}) == 256
    with pytest.raises(DataError, match="dataset patterns8: expected between 1 and 256 samples, found 257"):
        make_dataset("patterns8", 257, 0.0, rng())


def test_unknown_name_and_bad_arguments_name_the_choices():
    with pytest.raises(DataError) as info:
        make_dataset("mnist", 10, 0.1, rng())
    assert str(info.value) == "dataset mnist: expected one of " + ", ".join(TOY) + ", found 'mnist'"
    with pytest.raises(DataError, match="dataset moons: expected a noise standard deviation >= 0, found -1"):
        make_dataset("moons", 10, -1.0, rng())
    with pytest.raises(DataError, match="dataset blobs: expected between 3 and"):
        make_dataset("blobs", 2, 0.1, rng())


# digits

def test_digits_are_the_1797_uci_test_images():
    ds = make_dataset("digits", 0, 0.0, rng())
    assert ds.x.shape == (1797, 64) and ds.image_shape == (8, 8) and ds.class_names == tuple("0123456789")
    assert ds.x.min() == 0.0 and ds.x.max() == 1.0
    assert np.array_equal(ds.x * 16, np.round(ds.x * 16))
    counts = np.bincount(ds.labels)
    assert len(counts) == 10 and counts.min() >= 170 and counts.max() <= 190
    assert ds.labels[:10].tolist() == list(range(10))
    assert (ds.x[0, :8] * 16).tolist() == [0, 0, 5, 13, 9, 1, 0, 0]


def test_digit_zero_has_a_hole_where_one_has_its_stroke():
    ds = make_dataset("digits", 0, 0.0, rng())
    mean = {c: ds.x[ds.labels == c].mean(axis=0).reshape(8, 8) for c in (0, 1)}
    centre = (slice(3, 5), slice(3, 5))
    assert mean[0][centre].mean() < 0.2 < 0.6 < mean[1][centre].mean()


def test_digits_come_fresh_each_time():
    a = make_dataset("digits", 0, 0.0, rng())
    a.x[0, 0] = 5.0
    assert make_dataset("digits", 0, 0.0, rng()).x[0, 0] == 0.0


# Dataset and split

def numbered(n: int, k: int) -> Dataset:
    labels = np.arange(n) % k
    return Dataset("numbered", np.arange(n, dtype=float)[:, None], np.eye(k)[labels], "classes", labels)


def test_split_sizes_are_disjoint_and_cover_the_set():
    ds = numbered(103, 3)
    train, test = split(ds, 0.25, rng())
    assert (len(train), len(test)) == (77, 26)
    ids_train, ids_test = set(train.x[:, 0]), set(test.x[:, 0])
    assert not ids_train & ids_test and ids_train | ids_test == set(range(103))
    assert (np.diff(train.x[:, 0]) > 0).all() and (np.diff(test.x[:, 0]) > 0).all()
    assert (train.y.argmax(axis=1) == train.labels).all() and train.x[:, 0].astype(int).tolist() != list(range(77))


def test_split_is_stratified_and_deterministic():
    labels = np.repeat([0, 1, 2], [60, 30, 10])
    ds = Dataset("skewed", np.arange(100.0)[:, None], np.eye(3)[labels], "classes", labels)
    for seed in range(20):
        assert np.bincount(split(ds, 0.2, rng(seed))[1].labels).tolist() == [12, 6, 2]
    _, test = split(ds, 0.2, rng(3))
    _, again = split(ds, 0.2, rng(3))
    _, other = split(ds, 0.2, rng(4))
    assert np.array_equal(test.x, again.x) and not np.array_equal(test.x, other.x)


def test_split_without_labels_and_with_fraction_zero():
    ds = toy("sin")
    train, test = split(ds, 0.5, rng())
    assert len(train) + len(test) == 101 and len(test) in (50, 51) and test.labels is None
    assert split(ds, 0.0, rng()) == (ds, None)
    assert [len(part) for part in split(toy("xor"), 0.01, rng())] == [3, 1]
    with pytest.raises(DataError, match="dataset sin: expected a test fraction in \\[0, 1\\), found 1"):
        split(ds, 1.0, rng())


def test_subset_keeps_the_description():
    ds = toy("digits")
    part = ds.subset(np.array([5, 0]))
    assert part.labels.tolist() == [5, 0] and part.image_shape == (8, 8) and part.class_names == ds.class_names
    assert np.array_equal(part.x[1], ds.x[0])


def test_an_inconsistent_dataset_cannot_exist():
    x = np.zeros((3, 2))
    with pytest.raises(DataError, match="dataset bad: expected one-hot target rows matching the labels"):
        Dataset("bad", x, np.eye(2)[[0, 1, 1]], "classes", np.array([0, 1, 0]))
    with pytest.raises(DataError, match="dataset bad: expected kind binary, classes, regression, found 'class'"):
        Dataset("bad", x, np.zeros((3, 1)), "class")
    with pytest.raises(DataError, match="dataset bad: expected as many target rows as input rows \\(3\\), found 2"):
        Dataset("bad", x, np.zeros((2, 1)), "regression")
    with pytest.raises(DataError, match="dataset bad: expected finite numbers in x, found nan in row 2"):
        Dataset("bad", [[0.0], [np.nan], [1.0]], np.zeros((3, 1)), "regression")


# CSV

def test_csv_with_a_header_and_two_classes_is_binary():
    ds = load_file(FIXTURES / "xor.csv")
    assert (ds.name, ds.kind, ds.class_names) == ("xor.csv", "binary", ("0", "1"))
    assert ds.x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and ds.y[:, 0].tolist() == [0, 1, 1, 0]


def test_csv_targets_become_classes_or_regression(tmp_path):
    three = tmp_path / "three.csv"
    three.write_text("0.1;3\n0.2;1\n0.3;2\n0.4;3\n0.5;1\n0.6;2\n")
    ds = load_file(three)
    assert ds.kind == "classes" and ds.class_names == ("1", "2", "3") and ds.labels.tolist() == [2, 0, 1, 2, 0, 1]
    signs = tmp_path / "signs.csv"
    signs.write_text("1,2,-1\n3,4,1\n")
    ds = load_file(signs)
    assert ds.kind == "binary" and ds.class_names == ("-1", "1") and ds.y[:, 0].tolist() == [0, 1]
    real = tmp_path / "real.csv"
    real.write_text("x,y\n\n0.5, 1.25\n# a comment\n1.5, -2\n")
    ds = load_file(real)
    assert ds.kind == "regression" and ds.labels is None and ds.y[:, 0].tolist() == [1.25, -2.0]
    counts = tmp_path / "counts.csv"
    counts.write_text("".join(f"{i},{i * 7}\n" for i in range(10)))
    assert load_file(counts).kind == "regression"


def test_csv_empty_file(tmp_path):
    (tmp_path / "empty.csv").write_text("\n  \n")
    assert error_of(tmp_path / "empty.csv").endswith(": expected a table of numbers, found an empty file")


def test_csv_non_numeric_cell_names_row_column_and_text():
    text = error_of(FIXTURES / "bad-cell.csv")
    assert text == f"{FIXTURES / 'bad-cell.csv'}: expected a finite number in row 3, column 2, found 'oops'"


def test_csv_ragged_row_names_row_and_widths():
    text = error_of(FIXTURES / "ragged.csv")
    assert text == f"{FIXTURES / 'ragged.csv'}: expected 3 columns in row 2, as in the first row, found 2"


def test_csv_nan_is_refused(tmp_path):
    (tmp_path / "nan.csv").write_text("1,2,3\n4,nan,6\n")
    assert "row 2, column 2, found 'nan'" in error_of(tmp_path / "nan.csv")


# NPZ

def test_npz_round_trips(tmp_path):
    x = rng().normal(size=(6, 3))
    np.savez(tmp_path / "labels.npz", x=x, y=np.array([0, 1, 2, 2, 1, 0]))
    ds = load_file(tmp_path / "labels.npz")
    assert ds.kind == "classes" and np.array_equal(ds.x, x) and ds.y.shape == (6, 3)
    np.savez(tmp_path / "two.npz", x=x, y=np.array([0, 1, 1, 0, 1, 0]))
    assert load_file(tmp_path / "two.npz").kind == "binary"
    np.savez(tmp_path / "real.npz", x=x, y=x[:, :2])
    assert load_file(tmp_path / "real.npz").kind == "regression"
    np.savez(tmp_path / "forced.npz", x=x, y=np.array([0, 1, 2, 2, 1, 0]), kind="regression")
    assert load_file(tmp_path / "forced.npz").y[:, 0].tolist() == [0, 1, 2, 2, 1, 0]
    np.savez_compressed(tmp_path / "images.npz", x=np.zeros((4, 2, 3)), y=np.eye(2)[[0, 1, 1, 0]])
    ds = load_file(tmp_path / "images.npz")
    assert ds.image_shape == (2, 3) and ds.x.shape == (4, 6) and ds.labels.tolist() == [0, 1, 1, 0]


def test_npz_missing_key_lists_the_keys_found(tmp_path):
    np.savez(tmp_path / "keys.npz", inputs=np.zeros((2, 2)), y=np.zeros(2))
    assert error_of(tmp_path / "keys.npz").endswith("expected arrays named x and y, found keys inputs, y")


def test_npz_row_counts_must_agree(tmp_path):
    np.savez(tmp_path / "rows.npz", x=np.zeros((4, 2)), y=np.zeros(3))
    assert error_of(tmp_path / "rows.npz").endswith("expected as many rows in y as in x (4), found 3")


def test_npz_non_numeric_dtype(tmp_path):
    np.savez(tmp_path / "text.npz", x=np.array([["a", "b"]]), y=np.zeros(1))
    assert error_of(tmp_path / "text.npz").endswith("expected numbers in x, found type <U1")


def test_npz_that_is_not_an_archive(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    assert "expected a NumPy .npz archive" in error_of(tmp_path / "junk.npz")


# IDX

def test_idx_fixture_pair_is_scaled_and_one_hot():
    ds = load_file(FIXTURES / "tiny-images-idx3-ubyte", FIXTURES / "tiny-labels-idx1-ubyte")
    assert ds.kind == "classes" and ds.image_shape == (2, 3) and ds.x.shape == (3, 6)
    assert ds.x[0].tolist() == [0, 1, 128 / 255, 0, 0, 0] and ds.labels.tolist() == [0, 2, 1]
    assert ds.y.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]] and ds.class_names == ("0", "1", "2")


def test_idx_labels_are_found_beside_the_images():
    ds = load_file(FIXTURES / "tiny-images-idx3-ubyte")
    assert ds.labels.tolist() == [0, 2, 1]


def test_idx_gzipped_round_trip_with_mnist_names(tmp_path):
    images = rng().integers(0, 256, size=(5, 4, 4)).astype(np.uint8)
    labels = np.array([1, 0, 1, 1, 0])
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", images, compress=True)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels, compress=True)
    ds = load_file(tmp_path / "train-images-idx3-ubyte.gz")
    assert np.array_equal(ds.x * 255, images.reshape(5, 16)) and ds.y.shape == (5, 2) and ds.kind == "classes"


def test_idx_float_images_keep_their_values(tmp_path):
    images = np.linspace(-1, 1, 2 * 3 * 2).reshape(2, 3, 2)
    write_idx(tmp_path / "f.idx", images, code=0x0D)
    write_idx(tmp_path / "l.idx", np.array([3, 0]), code=0x0C)
    ds = load_file(tmp_path / "f.idx", tmp_path / "l.idx")
    assert np.allclose(ds.x, images.reshape(2, 6), atol=1e-7) and ds.y.shape == (2, 4)


def test_idx_bad_magic():
    path = FIXTURES / "bad-magic-idx3-ubyte"
    assert error_of(path, FIXTURES / "tiny-labels-idx1-ubyte") == f"{path}: expected IDX magic bytes 00 00, found 50 4b"


def test_idx_unknown_type_code(tmp_path):
    (tmp_path / "x.idx").write_bytes(struct.pack(">BBBBI", 0, 0, 0x07, 1, 1) + b"\x00")
    assert error_of(tmp_path / "x.idx").endswith("expected an IDX type code 08, 09, 0b, 0c, 0d, 0e, found 07")


def test_idx_shorter_than_its_header_says(tmp_path):
    raw = (FIXTURES / "tiny-images-idx3-ubyte").read_bytes()[:-5]
    (tmp_path / "cut-images-idx3-ubyte").write_bytes(raw)
    text = error_of(tmp_path / "cut-images-idx3-ubyte", FIXTURES / "tiny-labels-idx1-ubyte")
    assert text.endswith("expected 18 bytes of data (3 x 2 x 3 of type 08), found 13")


def test_idx_image_and_label_counts_must_agree(tmp_path):
    labels = write_idx(tmp_path / "four.idx", np.array([0, 1, 0, 1]))
    text = error_of(FIXTURES / "tiny-images-idx3-ubyte", labels)
    assert text.endswith(f"expected as many labels as images (3), found 4 in {labels}")


def test_idx_labels_file_must_be_one_dimensional(tmp_path):
    labels = write_idx(tmp_path / "square.idx", np.zeros((3, 2)))
    text = error_of(FIXTURES / "tiny-images-idx3-ubyte", labels)
    assert text == f"{labels}: expected a labels file (1 dimension), found 2 dimensions"


def test_idx_a_labels_file_is_not_an_images_file():
    text = error_of(FIXTURES / "tiny-labels-idx1-ubyte")
    assert "expected an images file (3 dimensions), found 1 dimension(s) (a labels file?)" in text


def test_idx_images_without_labels(tmp_path):
    write_idx(tmp_path / "alone.idx", np.zeros((2, 2, 2)))
    assert "expected a labels file (labels_path" in error_of(tmp_path / "alone.idx")


# any file

def test_unknown_extension_lists_the_supported_ones(tmp_path):
    (tmp_path / "table.xlsx").write_text("1,2")
    text = error_of(tmp_path / "table.xlsx")
    assert ".csv, .npz, .idx, -ubyte" in text and text.endswith("found 'table.xlsx'")


def test_missing_file(tmp_path):
    assert error_of(tmp_path / "nothing.csv") == f"{tmp_path / 'nothing.csv'}: no such file"
