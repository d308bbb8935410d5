"""Layers: Module, Dense, TimeDistributed, RepeatVector, Sequential, Embedding and
recurrent."""

from tinygrad_rnn.nn import init
from tinygrad_rnn.nn.embedding import Embedding
from tinygrad_rnn.nn.layers import Dense, RepeatVector, Sequential, TimeDistributed
from tinygrad_rnn.nn.module import Module
from tinygrad_rnn.nn.recurrent import RNN, SimpleRNN, SimpleRNNCell

__all__ = [
    "RNN",
    "Dense",
    "Embedding",
    "Module",
    "RepeatVector",
    "Sequential",
    "SimpleRNN",
    "SimpleRNNCell",
    "TimeDistributed",
    "init",
]
