"""One-to-many: teach a SimpleRNN to spell "ERAS" from the single character "K".

The input's one-hot vector is repeated over 4 steps (RepeatVector(4)), then the same
SimpleRNN(5) + TimeDistributed(Dense(5, softmax)) as the many-to-many demo, trained
with categorical cross-entropy and Adam(lr=0.1) for 100 epochs. ``--text hello``
teaches "h" -> "ello".

    python demos/one_to_many.py [--text WORD] [--seed N] [--epochs N] [--hidden N]
"""

from common import parse_args, sequence_head, train_and_report

import tinygrad_rnn as tr


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv)
    vocab = tr.data.CharVocab(args.text)
    source, target = args.text[0], args.text[1:]
    rng = tr.nn.init.get_rng(args.seed)
    model = tr.nn.Sequential(
        tr.nn.RepeatVector(len(target)),
        *sequence_head(len(vocab), args.hidden, rng),
    )

    x = vocab.one_hot(source)  # (1, V): one sample, one character
    return train_and_report(model, x, source, target, vocab, args, "one-to-many")


if __name__ == "__main__":
    main()
