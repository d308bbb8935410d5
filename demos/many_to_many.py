"""Many-to-many: teach a SimpleRNN to map "KERA" to "ERAS", one character per step.

The reference exercise: SimpleRNN(5) + TimeDistributed(Dense(5, softmax)), categorical
cross-entropy, Adam(lr=0.1), 100 epochs. ``--text hello`` teaches "hell" -> "ello".

    python demos/many_to_many.py [--text WORD] [--seed N] [--epochs N] [--hidden N]
"""

from common import parse_args, sequence_head, train_and_report

import tinygrad_rnn as tr


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv)
    vocab = tr.data.CharVocab(args.text)
    source, target = args.text[:-1], args.text[1:]
    rng = tr.nn.init.get_rng(args.seed)
    model = tr.nn.Sequential(*sequence_head(len(vocab), args.hidden, rng))

    x = vocab.one_hot(source)[None]  # (1, T, V): one sequence
    return train_and_report(model, x, source, target, vocab, args, "many-to-many")


if __name__ == "__main__":
    main()
