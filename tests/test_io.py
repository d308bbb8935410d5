"""save / load_into: exact round trips and clear errors for files that do not fit."""

import numpy as np
import pytest

import tinygrad_rnn as tr


def _model(hidden=4, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return tr.nn.Sequential(
        tr.nn.Embedding(5, 3, rng=rng, dtype=dtype),
        tr.nn.SimpleRNN(3, hidden, return_sequences=True, rng=rng, dtype=dtype),
        tr.nn.TimeDistributed(tr.nn.Dense(hidden, 5, rng=rng, dtype=dtype)),
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_is_exact(tmp_path, dtype):
    path = tmp_path / "model.npz"
    saved, fresh = _model(dtype=dtype, seed=0), _model(dtype=dtype, seed=1)
    tr.save(saved, path, meta={"chars": "abc", "hidden": 4})
    meta = tr.load_into(fresh, path)

    assert meta == {"chars": "abc", "hidden": 4}
    assert tr.io.load_meta(path) == meta
    for (name, a), (_, b) in zip(saved.named_parameters(), fresh.named_parameters()):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
    ids = np.array([[0, 4, 2]])
    np.testing.assert_array_equal(saved(ids).data, fresh(ids).data)


def test_path_is_used_as_given(tmp_path):
    path = tmp_path / "weights.bin"
    tr.save(_model(), path)
    assert path.exists()
    assert tr.load_into(_model(seed=3), path) == {}


def test_shape_mismatch_names_the_parameter_and_copies_nothing(tmp_path):
    path = tmp_path / "model.npz"
    tr.save(_model(hidden=4), path)
    other = _model(hidden=6, seed=2)
    before = other.state_dict()
    with pytest.raises(ValueError, match=r"1\.cell\.kernel: model has \(3, 6\)"):
        tr.load_into(other, path)
    for name, value in other.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_name_and_dtype_mismatch_are_reported(tmp_path):
    path = tmp_path / "model.npz"
    tr.save(tr.nn.Dense(3, 2, rng=0), path)
    with pytest.raises(ValueError, match="missing from the file"):
        tr.load_into(_model(), path)
    with pytest.raises(ValueError, match="float32"):
        tr.load_into(tr.nn.Dense(3, 2, rng=0, dtype=np.float32), path)


def test_a_single_array_file_is_refused_clearly(tmp_path):
    path = tmp_path / "weights.npy"
    np.save(path, np.zeros(3))
    model = tr.nn.Dense(2, 3, rng=0)
    with pytest.raises(ValueError, match="not an .npz archive"):
        tr.load_into(model, path)
