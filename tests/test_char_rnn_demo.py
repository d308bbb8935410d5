"""The char-RNN demo's whole pipeline on a few hundred characters: truncated BPTT
training, held-out loss against the unigram baseline, save, load and generation."""

import sys
from pathlib import Path

import numpy as np
import pytest

DEMOS = Path(__file__).resolve().parents[1] / "demos"

SNIPPET = '''def add(a, b):
    """Return the sum."""
    return a + b


def scale(values, k):
    return [k * v for v in values]


'''


@pytest.fixture()
def char_rnn(monkeypatch):
    monkeypatch.syspath_prepend(str(DEMOS))
    import char_rnn

    return char_rnn


@pytest.fixture()
def text_file(tmp_path):
    path = tmp_path / "tiny.py"
    path.write_text(SNIPPET * 6)  # about 600 characters
    return path


def _flags(text_file, *extra):
    return [
        "--file", str(text_file), "--steps", "40", "--batch", "4", "--bptt", "16",
        "--hidden", "32", "--embed", "8", "--lr", "0.01", "--eval-every", "20",
        "--sample-every", "1000", "--generate", "40", "--quiet", *extra,
    ]  # fmt: skip


def test_training_beats_the_unigram_baseline_and_generates(char_rnn, text_file):
    result = char_rnn.main(_flags(text_file))

    assert result["steps"] == 40
    assert len(result["history"]["train_bpc"]) == 40
    assert result["history"]["eval_step"] == [20, 40]
    assert result["train_bpc"] < result["unigram_train_bpc"]
    assert result["heldout_bpc"] < result["unigram_heldout_bpc"]
    assert result["sample"].startswith("def ")
    assert len(result["sample"]) == len("def ") + 40


def test_saved_model_generates_the_same_sample_after_loading(
    char_rnn, text_file, tmp_path
):
    path = tmp_path / "char.npz"
    trained = char_rnn.main(_flags(text_file, "--save", str(path)))
    loaded = char_rnn.main(
        ["--load", str(path), "--generate", "40", "--seed-text", "def ", "--quiet"]
    )

    assert loaded["steps"] == 0
    assert loaded["sample"] == trained["sample"]


def test_greedy_generation_is_deterministic(char_rnn, text_file, tmp_path):
    path = tmp_path / "char.npz"
    char_rnn.main(_flags(text_file, "--save", str(path), "--steps", "5"))
    flags = ["--load", str(path), "--generate", "30", "--temperature", "0", "--quiet"]
    first = char_rnn.main([*flags, "--seed", "1"])["sample"]
    second = char_rnn.main([*flags, "--seed", "2"])["sample"]
    assert first == second


def test_unseen_seed_characters_map_to_unknown(char_rnn, text_file, tmp_path):
    path = tmp_path / "char.npz"
    char_rnn.main(_flags(text_file, "--save", str(path), "--steps", "2"))
    result = char_rnn.main(
        ["--load", str(path), "--generate", "5", "--seed-text", "Z~", "--quiet"]
    )
    assert result["sample"].startswith("Z~")


def test_plot_writes_a_file_or_names_the_extra(char_rnn, text_file, tmp_path):
    path = tmp_path / "loss.png"
    flags = _flags(text_file, "--steps", "4", "--eval-every", "2", "--plot", str(path))
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        with pytest.raises(SystemExit, match=r"pip install -e \.\[demos\]"):
            char_rnn.main(flags)
    else:
        char_rnn.main(flags)
        assert path.stat().st_size > 0


def test_without_tqdm_progress_is_plain_lines(char_rnn, text_file, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now fails
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    flags = [f for f in _flags(text_file) if f != "--quiet"]
    char_rnn.main(flags)
    out = capsys.readouterr().out
    assert "step    20/40  train " in out and "held-out" in out
    assert "unigram baseline" in out


def test_default_text_is_stdlib_source(char_rnn):
    text, source = char_rnn.stdlib_text()
    assert "stdlib modules" in source
    assert len(text) > 100_000
    assert "def " in text and "    return " in text


def test_unigram_baseline_is_the_entropy_of_uniform_text(char_rnn):
    ids = np.tile(np.arange(4), 100)
    assert char_rnn.unigram_bpc(ids, ids, 4) == pytest.approx(2.0)


def test_bad_load_file_is_reported(char_rnn, tmp_path):
    import tinygrad_rnn as tr

    path = tmp_path / "other.npz"
    tr.save(tr.nn.Dense(2, 2, rng=0), path)
    with pytest.raises(SystemExit, match="not written by this demo"):
        char_rnn.main(["--load", str(path), "--quiet"])
