"""Char-RNN: learn to predict the next character of a real text, then write new text.

Many-to-many training with truncated BPTT: the text is cut into B parallel streams read
T characters at a time; each chunk starts from the previous chunk's final hidden state,
detached from the graph. One-to-many generation: from a seed string, each sampled
character is fed back in as the next input. The model is Embedding(V, E) ->
SimpleRNN(H) -> Dense(V) logits per step, trained with cross-entropy, gradient clipping
by global norm, and Adam.

By default the text is the source code of a handful of standard-library modules,
located through the running interpreter, so nothing is downloaded. The last tenth of
the text is held out. Losses are in bits per character (bpc), next to the unigram
baseline: the bpc of always predicting the training text's character frequencies.

    python demos/char_rnn.py                                  # train, ~3 minutes
    python demos/char_rnn.py --file book.txt --save char.npz --plot loss.png
    python demos/char_rnn.py --load char.npz --generate 300 --seed-text "def "
"""

import argparse
import importlib.util
import math
import os
import sys
import time
from pathlib import Path

# The matrices here are small (B x H); extra BLAS threads cost more in handover than
# they save, and much more on a shared machine. Export OMP_NUM_THREADS to override.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
from common import progress_bar, pyplot_or_none  # noqa: E402

import tinygrad_rnn as tr  # noqa: E402

# Pure-Python modules present in every CPython 3.10+, about 250 kB of source in all.
STDLIB_MODULES = (
    "textwrap",
    "string",
    "heapq",
    "fnmatch",
    "glob",
    "shlex",
    "queue",
    "calendar",
    "pprint",
    "fractions",
    "random",
    "functools",
)
UNKNOWN = "\ufffd"  # stands for held-out or seed characters unseen in training
HELD_OUT = 0.1


def parse_args(argv):
    """The demo's flags; the defaults train for a few minutes on 2 cores."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--file", help="train on this UTF-8 text instead of stdlib sources")
    add("--steps", type=int, default=None, help="updates (default 2000; 0 if --load)")
    add("--batch", type=int, default=32, help="B, parallel streams")
    add("--bptt", type=int, default=64, help="T, characters per chunk")
    add("--hidden", type=int, default=256, help="H, SimpleRNN units")
    add("--embed", type=int, default=32, help="E, embedding size")
    add("--lr", type=float, default=0.002, help="Adam learning rate")
    add("--clip", type=float, default=1.0, help="max global gradient norm")
    add("--dtype", choices=("float32", "float64"), default="float32")
    add("--seed", type=int, default=0, help="seed for weights and sampling")
    add("--eval-every", type=int, default=200, help="held-out loss every N steps")
    add("--sample-every", type=int, default=500, help="print a sample every N steps")
    add("--temperature", type=float, default=0.7, help="sampling temperature, 0=greedy")
    add("--seed-text", default="def ", help="text to start generating from")
    add("--generate", type=int, default=300, help="characters in the final sample")
    add("--save", help="write the trained weights and vocabulary to this .npz")
    add("--load", help="start from weights saved with --save")
    add("--plot", help="write the loss curves to this image (needs matplotlib)")
    add("--quiet", action="store_true", help="print only the results")
    args = parser.parse_args(argv)
    if args.steps is None:
        args.steps = 0 if args.load else 2000
    positive = ("batch", "bptt", "hidden", "embed", "eval_every", "sample_every")
    bad = [name for name in positive if getattr(args, name) < 1]
    if bad or args.steps < 0 or args.generate < 0:
        parser.error(f"--{bad[0] if bad else 'steps'} is out of range")
    if args.lr <= 0 or args.clip <= 0 or args.temperature < 0:
        parser.error("--lr and --clip must be > 0 and --temperature >= 0")
    if not args.seed_text:
        parser.error("--seed-text must not be empty")
    return args


# ------------------------------------------------------------------ the data


def stdlib_text(modules=STDLIB_MODULES):
    """The source code of ``modules``, joined; (text, description)."""
    parts = []
    for name in modules:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        if origin is None or not origin.endswith(".py") or not Path(origin).is_file():
            raise SystemExit(
                f"the source of standard-library module {name!r} is not installed "
                f"here (found {origin}); pass a text file with --file"
            )
        parts.append(Path(origin).read_text(encoding="utf-8"))
    where = Path(origin).parent
    return "\n".join(parts), f"{len(modules)} stdlib modules from {where}"


def load_text(args):
    """The training text and a description of where it came from."""
    if args.file is None:
        return stdlib_text()
    text = Path(args.file).read_text(encoding="utf-8", errors="replace")
    return text, args.file


def unigram_bpc(train_ids, ids, vocab_size):
    """Bits per character of predicting ``ids`` from the training frequencies.

    Add-one smoothing keeps characters unseen in training at a finite cost.
    """
    counts = np.bincount(train_ids, minlength=vocab_size) + 1.0
    probs = counts / counts.sum()
    return float(-np.mean(np.log2(probs[ids])))


# ----------------------------------------------------------------- the model


class CharRNN(tr.nn.Module):
    """Embedding -> SimpleRNN -> Dense: character ids in, next-character logits out.

    Shapes:
        ids: (B, T) integers; h: None or (B, H)
        returns: (logits (B, T, V), h_T (B, H))
    """

    def __init__(self, vocab_size, embed, hidden, rng, dtype):
        self.embedding = tr.nn.Embedding(vocab_size, embed, rng=rng, dtype=dtype)
        self.rnn = tr.nn.SimpleRNN(
            embed,
            hidden,
            return_sequences=True,
            return_state=True,
            rng=rng,
            dtype=dtype,
        )
        self.head = tr.nn.TimeDistributed(
            tr.nn.Dense(hidden, vocab_size, rng=rng, dtype=dtype)
        )

    def forward(self, ids, h=None):
        y, h = self.rnn(self.embedding(ids), initial_state=h)  # (B, T, H), (B, H)
        return self.head(y), h  # (B, T, V)


def evaluate_bpc(model, ids, steps=128, max_streams=16):
    """Mean bits per character of ``model`` on ``ids``, state carried across chunks."""
    streams = max(1, min(max_streams, (len(ids) - 1) // steps))
    total, count, h = 0.0, 0, None
    with tr.no_grad():
        for x, y in tr.data.BPTTBatcher(ids, streams, steps):
            logits, h = model(x, h)
            total += tr.losses.cross_entropy(logits, y).item() * y.size
            count += y.size
    return total / count / math.log(2)


def generate(model, vocab, seed_text, length, temperature, rng):
    """Continue ``seed_text`` by ``length`` characters, feeding each one back in."""
    ids = vocab.encode(seed_text)[None]  # (1, S)
    out = []
    with tr.no_grad():
        logits, h = model(ids)  # the seed sets the state
        for _ in range(length):
            next_id = tr.sampling.sample(logits.data[:, -1], temperature, rng)  # (1,)
            out.append(int(next_id[0]))
            logits, h = model(next_id[:, None], h)  # (1, 1, V)
    return seed_text + vocab.decode(out)


# -------------------------------------------------------------- training


def train(model, train_ids, held_ids, vocab, args, say):
    """Truncated BPTT over the streams for ``args.steps`` updates.

    Returns:
        history: {'step', 'train_bpc' (per step), 'eval_step', 'heldout_bpc'}.
    """
    batcher = tr.data.BPTTBatcher(train_ids, args.batch, args.bptt)
    params = model.parameters()
    optimizer = tr.optim.Adam(params, lr=args.lr)
    rng = np.random.default_rng(args.seed)
    history = {"step": [], "train_bpc": [], "eval_step": [], "heldout_bpc": []}
    bar = progress_bar(args.steps, enabled=not args.quiet)
    write = bar.write if bar is not None else say
    chunks, h = iter(()), None
    start = time.perf_counter()

    for step in range(1, args.steps + 1):
        # the next chunk; a new pass over the streams starts from a zero state
        chunk = next(chunks, None)
        if chunk is None:
            chunks, h = iter(batcher), None
            chunk = next(chunks)
        x, y = chunk  # (B, T)

        # forward and loss
        logits, h = model(x, h)
        loss = tr.losses.cross_entropy(logits, y)

        # backward, clip, update; then cut the graph behind the carried state
        optimizer.zero_grad()
        loss.backward()
        tr.clip_grad_norm(params, args.clip)
        optimizer.step()
        h = h.detach()

        # report
        history["step"].append(step)
        history["train_bpc"].append(loss.item() / math.log(2))
        if bar is not None:
            bar.set_postfix(bpc=f"{history['train_bpc'][-1]:.3f}")
            bar.update(1)
        if step % args.eval_every == 0 or step == args.steps:
            held = evaluate_bpc(model, held_ids)
            history["eval_step"].append(step)
            history["heldout_bpc"].append(held)
            recent = np.mean(history["train_bpc"][-args.eval_every :])
            write(
                f"step {step:5d}/{args.steps}  train {recent:.3f} bpc  "
                f"held-out {held:.3f} bpc  {time.perf_counter() - start:6.1f}s"
            )
        if step % args.sample_every == 0 and step != args.steps:
            text = generate(model, vocab, args.seed_text, 200, args.temperature, rng)
            write(f"--- sample at step {step} ---\n{text}\n---")
    if bar is not None:
        bar.close()
    return history


def plot_history(plt, history, baselines, path):
    """Training bpc (smoothed), held-out bpc and the unigram baselines, to ``path``."""
    steps = np.array(history["step"])
    window = max(1, min(50, len(steps) // 10))
    smooth = np.convolve(history["train_bpc"], np.ones(window) / window, "valid")
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps[window - 1 :], smooth, label=f"train (mean of {window} steps)")
    ax.plot(history["eval_step"], history["heldout_bpc"], "o-", label="held-out")
    ax.axhline(baselines[1], color="gray", linestyle="--", label="unigram, held-out")
    ax.set_xlabel("step")
    ax.set_ylabel("bits per character")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ------------------------------------------------------------------ main


def build(args, vocab):
    dtype = np.dtype(args.dtype)
    rng = np.random.default_rng(args.seed)
    return CharRNN(len(vocab), args.embed, args.hidden, rng, dtype)


def load(args):
    """The vocabulary and model stored by --save, with the flags they imply."""
    meta = tr.io.load_meta(args.load)
    needed = {"chars", "unknown", "embed", "hidden", "dtype"}
    if not needed <= meta.keys():
        raise SystemExit(f"{args.load} was not written by this demo's --save")
    vocab = tr.data.CharVocab(meta["chars"], unknown=meta["unknown"])
    args.embed, args.hidden, args.dtype = meta["embed"], meta["hidden"], meta["dtype"]
    model = build(args, vocab)
    tr.load_into(model, args.load)
    return vocab, model


def main(argv=None):
    args = parse_args(argv)
    say = (lambda *a: None) if args.quiet else print
    plt = pyplot_or_none(args.plot)
    result = {"steps": args.steps}

    if args.load:
        vocab, model = load(args)
        say(f"loaded {args.load}: vocabulary of {len(vocab)}, H={args.hidden}")
    if args.steps > 0:
        text, source = load_text(args)
        split = int(len(text) * (1.0 - HELD_OUT))
        if args.load is None:
            vocab = tr.data.CharVocab(text[:split], unknown=UNKNOWN)
            model = build(args, vocab)
        train_ids, held_ids = vocab.encode(text[:split]), vocab.encode(text[split:])
        if len(held_ids) < 2 or len(train_ids) <= args.batch:
            raise SystemExit(f"the text ({len(text)} characters) is too short")
        baselines = (
            unigram_bpc(train_ids, train_ids, len(vocab)),
            unigram_bpc(train_ids, held_ids, len(vocab)),
        )
        say(
            f"text: {source}, {len(text):,} characters, vocabulary {len(vocab)}\n"
            f"train {len(train_ids):,} / held-out {len(held_ids):,} characters; "
            f"unigram baseline {baselines[0]:.3f} bpc (train), "
            f"{baselines[1]:.3f} (held-out)\n"
            f"model: Embedding({len(vocab)}, {args.embed}) -> SimpleRNN({args.hidden})"
            f" -> Dense({len(vocab)}), {model.num_parameters():,} weights, "
            f"{args.dtype}\nB={args.batch} streams x T={args.bptt} characters, "
            f"{args.steps} steps, Adam lr={args.lr}, clip {args.clip}"
        )

        start = time.perf_counter()
        history = train(model, train_ids, held_ids, vocab, args, say)
        seconds = time.perf_counter() - start
        last = min(len(history["train_bpc"]), args.eval_every)
        result.update(
            train_bpc=float(np.mean(history["train_bpc"][-last:])),
            heldout_bpc=history["heldout_bpc"][-1],
            unigram_train_bpc=baselines[0],
            unigram_heldout_bpc=baselines[1],
            seconds=seconds,
            history=history,
        )
        print(
            f"trained {args.steps} steps in {seconds:.1f}s: train "
            f"{result['train_bpc']:.3f} bpc, held-out {result['heldout_bpc']:.3f} "
            f"bpc; unigram baseline {baselines[0]:.3f} / {baselines[1]:.3f} bpc"
        )
        if plt is not None:
            plot_history(plt, history, baselines, args.plot)
            say(f"wrote {args.plot}")
    elif args.load is None:
        raise SystemExit("nothing to do: give --steps > 0, or --load a saved model")

    if args.save:
        meta = {
            "chars": "".join(vocab.chars),
            "unknown": vocab.unknown,
            "embed": args.embed,
            "hidden": args.hidden,
            "dtype": args.dtype,
        }
        tr.save(model, args.save, meta=meta)
        say(f"saved {args.save}")

    rng = np.random.default_rng(args.seed)
    sample = generate(
        model, vocab, args.seed_text, args.generate, args.temperature, rng
    )
    print(f"--- {args.generate} characters at temperature {args.temperature} ---")
    print(sample)
    result["sample"] = sample
    return result


if __name__ == "__main__":
    main()
    sys.exit(0)
