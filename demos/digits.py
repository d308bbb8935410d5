"""Digits: many-to-one classification of handwritten digits, each read row by row.

Each 8x8 image of scikit-learn's bundled digits dataset (1797 images, no download) is
read as a sequence of T=8 rows of F=8 pixels. SimpleRNN(H) with return_sequences=False
keeps only its final state, and Dense(10) turns that into class logits. Trained with
cross-entropy and Adam on a random three quarters of the images; the rest is the test
set, reported as accuracy and a confusion matrix.

    python demos/digits.py                     # a few seconds
    python demos/digits.py --plot digits.png   # a few test digits and their predictions

Needs scikit-learn (and matplotlib for --plot): pip install -e .[demos]
"""

import argparse
import sys
import time

import numpy as np
from common import pyplot_or_none, require

import tinygrad_rnn as tr

CLASSES = 10


def parse_args(argv):
    """The demo's flags; the defaults reach about 97% test accuracy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--hidden", type=int, default=64, help="H, SimpleRNN units")
    add("--epochs", type=int, default=20, help="passes over the training images")
    add("--batch", type=int, default=32, help="images per update")
    add("--lr", type=float, default=0.005, help="Adam learning rate")
    add("--test-size", type=float, default=0.25, help="fraction held out for test")
    add("--limit", type=int, default=None, help="use only the first N images")
    add("--seed", type=int, default=0, help="seed for weights, split and shuffling")
    add("--plot", help="draw a few test digits with their predictions to this image")
    add("--quiet", action="store_true", help="print only the results")
    args = parser.parse_args(argv)
    if args.hidden < 1 or args.epochs < 0 or args.batch < 1 or args.lr <= 0:
        parser.error("--hidden and --batch must be >= 1, --epochs >= 0, --lr > 0")
    if not 0.0 < args.test_size < 1.0:
        parser.error(f"--test-size must lie in (0, 1), got {args.test_size}")
    if args.limit is not None and args.limit < 4:
        parser.error(f"--limit must be at least 4, got {args.limit}")
    return args


def load_digits(limit=None):
    """Images scaled to [0, 1] as (N, T=8, F=8) sequences of rows, and labels (N,)."""
    datasets = require("sklearn.datasets", "demos/digits.py")
    digits = datasets.load_digits()
    x = digits.images[:limit] / 16.0  # (N, 8, 8): pixel values are 0..16
    y = digits.target[:limit].astype(np.int64)  # (N,)
    return x, y


def split(x, y, test_size, rng):
    """A random train/test split: (x_train, y_train, x_test, y_test)."""
    order = rng.permutation(len(x))
    n_test = max(1, int(round(len(x) * test_size)))
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def confusion_matrix(y_true, y_pred, classes=CLASSES):
    """counts[i, j]: how many images of class i were predicted as class j."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def confusion_summary(counts):
    """The confusion matrix as a table, then the most frequent mistakes."""
    header = "true\\pred " + " ".join(f"{j:4d}" for j in range(len(counts)))
    lines = [header]
    for i, row in enumerate(counts):
        recall = row[i] / max(1, row.sum())
        cells = " ".join(f"{n:4d}" for n in row)
        lines.append(f"{i:9d} {cells}   recall {recall:.2f}")
    mistakes = [
        (counts[i, j], i, j)
        for i in range(len(counts))
        for j in range(len(counts))
        if i != j and counts[i, j] > 0
    ]
    mistakes.sort(reverse=True)
    top = ", ".join(f"{i} as {j} ({n}x)" for n, i, j in mistakes[:5])
    lines.append(f"most frequent mistakes: {top or 'none'}")
    return "\n".join(lines)


def predict(model, x):
    """Predicted classes for images (N, 8, 8)."""
    with tr.no_grad():
        logits = model(tr.Tensor(x))  # (N, 10)
    return np.argmax(logits.data, axis=-1)


def plot_examples(plt, x, y_true, y_pred, path, count=16):
    """The first ``count`` test digits, titled 'pred (true)', mistakes in red."""
    cols = 8
    rows = -(-min(count, len(x)) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.4))
    for k, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if k >= min(count, len(x)):
            continue
        ax.imshow(x[k], cmap="gray_r", vmin=0, vmax=1)
        wrong = y_pred[k] != y_true[k]
        title = f"{y_pred[k]} ({y_true[k]})"
        ax.set_title(title, color="red" if wrong else "black", fontsize=9)
    fig.suptitle("prediction (true label)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    say = (lambda *a: None) if args.quiet else print
    plt = pyplot_or_none(args.plot)

    x, y = load_digits(args.limit)
    rng = np.random.default_rng(args.seed)
    x_train, y_train, x_test, y_test = split(x, y, args.test_size, rng)
    model = tr.nn.Sequential(
        tr.nn.SimpleRNN(8, args.hidden, return_sequences=False, rng=rng),
        tr.nn.Dense(args.hidden, CLASSES, rng=rng),
    )
    say(
        f"digits: {len(x_train)} training and {len(x_test)} test images, each read "
        f"as 8 rows of 8 pixels\n{model.summary((8, 8))}"
    )

    def report(epoch, logs):
        if epoch % 5 == 0 or epoch == args.epochs:
            test_acc = float(np.mean(predict(model, x_test) == y_test))
            say(
                f"epoch {epoch:3d}/{args.epochs}  loss {logs['loss']:.4f}  "
                f"train acc {logs['accuracy']:.3f}  test acc {test_acc:.3f}"
            )

    optimizer = tr.optim.Adam(model.parameters(), lr=args.lr)
    start = time.perf_counter()
    history = tr.fit(
        model,
        x_train,
        y_train,
        tr.losses.cross_entropy,
        optimizer,
        args.epochs,
        batch_size=args.batch,
        shuffle=True,
        rng=rng,
        verbose=0,
        callback=report,
    )
    seconds = time.perf_counter() - start

    y_pred = predict(model, x_test)
    accuracy = float(np.mean(y_pred == y_test))
    counts = confusion_matrix(y_test, y_pred)
    say(confusion_summary(counts))
    print(
        f"trained {args.epochs} epochs in {seconds:.1f}s: test accuracy "
        f"{accuracy:.3f} ({int(np.sum(y_pred == y_test))}/{len(y_test)})"
    )
    if plt is not None:
        plot_examples(plt, x_test, y_test, y_pred, args.plot)
        say(f"wrote {args.plot}")
    return {
        "test_accuracy": accuracy,
        "train_loss": history["loss"][-1] if history["loss"] else float("nan"),
        "confusion": counts,
        "seconds": seconds,
    }


if __name__ == "__main__":
    main()
    sys.exit(0)
