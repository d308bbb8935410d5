"""The digits demo's whole pipeline on a few dozen real 8x8 digits (scikit-learn ships
them; it is in the test extra so this runs in CI)."""

import sys
from pathlib import Path

import numpy as np
import pytest

DEMOS = Path(__file__).resolve().parents[1] / "demos"


@pytest.fixture()
def digits(monkeypatch):
    monkeypatch.syspath_prepend(str(DEMOS))
    import digits

    return digits


def test_pipeline_learns_on_a_small_slice(digits):
    flags = ["--limit", "120", "--epochs", "15", "--hidden", "32", "--lr", "0.01"]
    result = digits.main([*flags, "--quiet"])

    assert result["confusion"].shape == (10, 10)
    assert result["confusion"].sum() == 30  # a quarter of 120 images
    assert result["test_accuracy"] > 0.5  # chance is 0.1
    assert result["train_loss"] < 1.0


def test_missing_scikit_learn_names_the_extra(digits, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(SystemExit, match=r"pip install -e \.\[demos\]"):
        digits.main(["--quiet"])


def test_images_are_sequences_of_rows(digits):
    x, y = digits.load_digits(limit=12)
    assert x.shape == (12, 8, 8) and y.shape == (12,)
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert y.dtype == np.int64


def test_confusion_matrix_and_summary(digits):
    counts = digits.confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 2, 1, 2]))
    assert counts[1, 2] == 1 and counts.trace() == 3
    assert "1 as 2 (1x)" in digits.confusion_summary(counts)


def test_split_keeps_every_image_once(digits):
    x = np.arange(40).reshape(40, 1, 1)
    y = np.arange(40)
    x_train, y_train, x_test, y_test = digits.split(
        x, y, 0.25, np.random.default_rng(0)
    )
    assert len(x_test) == 10
    assert sorted(np.concatenate([y_train, y_test])) == list(range(40))
