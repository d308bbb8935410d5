"""Layers: Module, Dense, TimeDistributed, RepeatVector, Sequential and recurrent."""

from tinygrad_rnn.nn import init
from tinygrad_rnn.nn.layers import Dense, RepeatVector, Sequential, TimeDistributed
from tinygrad_rnn.nn.module import Module
from tinygrad_rnn.nn.recurrent import RNN, SimpleRNN, SimpleRNNCell

__all__ = [
    "RNN",
    "Dense",
    "Module",
    "RepeatVector",
    "Sequential",
    "SimpleRNN",
    "SimpleRNNCell",
    "TimeDistributed",
    "init",
]
