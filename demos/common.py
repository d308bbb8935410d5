"""What the demos share: the seed demos' flags, training with a log line every 10
epochs and the closing report of per-step probabilities and the predicted string; and,
for the real-data demos, importing an optional extra with a clear message."""

import argparse
import importlib
import time

import numpy as np

import tinygrad_rnn as tr


def parse_args(description, argv):
    """The demos' flags; the defaults reproduce the reference notebook."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--text", default="KERAS", help="the word to learn (>= 2 chars)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for initial weights")
    parser.add_argument("--epochs", type=int, default=100, help="training epochs")
    parser.add_argument("--hidden", type=int, default=5, help="SimpleRNN units")
    parser.add_argument("--lr", type=float, default=0.1, help="Adam learning rate")
    parser.add_argument("--quiet", action="store_true", help="print only the result")
    args = parser.parse_args(argv)
    if len(args.text) < 2:
        parser.error(f"--text needs at least 2 characters, got {args.text!r}")
    if args.epochs < 0 or args.hidden < 1 or args.seed < 0:
        parser.error("--epochs and --seed must be >= 0, and --hidden >= 1")
    if not 0 < args.lr < float("inf"):
        parser.error(f"--lr must be a positive finite number, got {args.lr}")
    return args


def sequence_head(vocab_size, hidden, rng):
    """SimpleRNN(hidden) over every step, then a softmax Dense per step."""
    return [
        tr.nn.SimpleRNN(vocab_size, hidden, return_sequences=True, rng=rng),
        tr.nn.TimeDistributed(tr.nn.Dense(hidden, vocab_size, "softmax", rng=rng)),
    ]


def train_and_report(model, x, source, target, vocab, args, kind):
    """Train with categorical cross-entropy and Adam (Keras form), printing progress.

    Args:
        x: the one-hot input, (1, T, V) or (1, V); ``source`` is its text.
        kind: 'many-to-many' or 'one-to-many', for the opening line.

    Returns:
        {'predicted': str, 'loss': final epoch loss, 'seconds': training time}
    """
    say = (lambda *a: None) if args.quiet else print
    say(f"{kind}: {source!r} -> {target!r}, vocabulary {vocab.chars}")
    say(model.summary(x.shape[1:]))
    y = vocab.one_hot(target)[None]  # (1, T, V)

    def report(epoch, logs):
        if epoch % 10 == 0 or epoch == args.epochs:
            line = f"epoch {epoch:4d}/{args.epochs}  loss {logs['loss']:.4f}"
            if "accuracy" in logs:  # fit leaves it out for a one-letter vocabulary
                line += f"  acc {logs['accuracy']:.3f}"
            say(line)

    optimizer = tr.optim.Adam(model.parameters(), lr=args.lr)
    start = time.perf_counter()
    history = tr.fit(
        model,
        x,
        y,
        tr.losses.categorical_crossentropy,
        optimizer,
        args.epochs,
        verbose=0,
        callback=report,
    )
    seconds = time.perf_counter() - start

    with tr.no_grad():
        probs = model(x).data[0]  # (T, V)
    predicted = vocab.decode(np.argmax(probs, axis=-1))
    say("\nper-step probabilities after training:")
    say("step  " + "  ".join(f"{c:>6}" for c in vocab.chars))
    for t, row in enumerate(probs):
        say(f"{t:4d}  " + "  ".join(f"{p:6.3f}" for p in row))
    loss = history["loss"][-1] if history["loss"] else None
    final = "n/a (no training)" if loss is None else f"{loss:.4f}"
    print(f"trained {args.epochs} epochs in {seconds:.2f}s, final loss {final}")
    print(f"input {source}  ->  predicted {predicted}  (target {target})")
    return {"predicted": predicted, "loss": loss, "seconds": seconds}


def require(module, purpose):
    """Import an optional demo dependency, or exit naming the extra that provides it.

    Args:
        module: e.g. 'matplotlib.pyplot' or 'sklearn.datasets'.
        purpose: what it is needed for, e.g. '--plot'.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        root = module.split(".")[0]
        raise SystemExit(
            f"{purpose} needs {root}, which is not installed; "
            "install the demo extras with: pip install -e .[demos]"
        ) from None


def pyplot_or_none(wanted):
    """matplotlib.pyplot with a file-only backend when ``wanted``, else None."""
    if not wanted:
        return None
    require("matplotlib", "--plot").use("Agg")
    return require("matplotlib.pyplot", "--plot")


def progress_bar(total, enabled=True):
    """A tqdm bar over ``total`` steps, or None without tqdm or when not ``enabled``.

    Callers print plain progress lines when they get None.
    """
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="step", leave=False)
