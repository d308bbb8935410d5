"""Feed-forward layers and containers: Dense, TimeDistributed, RepeatVector, Sequential.

Shape letters: B batch, T time steps, F input features, H hidden units, C classes.
"""

import numpy as np

from tinygrad_rnn.nn import init
from tinygrad_rnn.nn.module import Module
from tinygrad_rnn.tensor import Tensor, addmm, no_grad

ACTIVATIONS = ("linear", "tanh", "sigmoid", "relu", "softmax")


def activate(x, activation):
    """Apply the named activation ('linear' or None leaves x as it is)."""
    if activation is None or activation == "linear":
        return x
    if activation == "softmax":
        return x.softmax(axis=-1)
    return getattr(x, activation)()


def check_activation(activation):
    """Raise ValueError unless ``activation`` is None or one of ACTIVATIONS."""
    if activation is not None and activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")


def as_input(x, dtype):
    """Turn an array-like into a constant Tensor; pass Tensors through.

    Float arrays keep their dtype (a mismatch with the layer's weights then raises);
    integer and boolean arrays, such as one-hot codes, take ``dtype``; anything else
    (complex numbers, strings) raises TypeError.
    """
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (tuple, list)) and any(isinstance(v, Tensor) for v in x):
        raise TypeError(
            f"expected a Tensor or an array, got a {type(x).__name__} of "
            f"{len(x)} items; is the previous layer an RNN with return_state=True?"
        )
    array = np.asarray(x)
    return Tensor(array, dtype=dtype if array.dtype.kind in "biu" else None)


def check_input(layer, x, rank, features, dtype=None):
    """Raise ValueError unless x has ``rank`` axes and ``features`` on the last one,
    and TypeError unless it has the layer's ``dtype`` (when given).

    ``rank`` may be a tuple of allowed ranks, or None for any rank >= 1. Checking the
    feature size explicitly matters: with batch == time, a wrongly laid-out input would
    otherwise broadcast without complaint.
    """
    ranks = (rank,) if isinstance(rank, int) else rank
    if (ranks is not None and x.ndim not in ranks) or x.ndim == 0:
        raise ValueError(
            f"{layer} expects an input of rank {_ranks_text(ranks)}, "
            f"got shape {x.shape}"
        )
    if features is not None and x.shape[-1] != features:
        raise ValueError(
            f"{layer} expects {features} features on the last axis, got shape {x.shape}"
        )
    if dtype is not None and x.dtype != dtype:
        raise TypeError(
            f"{layer} has {np.dtype(dtype)} weights but got a {x.dtype} input; convert "
            f"the input with .astype(), or build the layer with dtype={x.dtype}"
        )


def _ranks_text(ranks):
    if ranks is None:
        return ">= 1"
    return " or ".join(str(r) for r in ranks)


class Dense(Module):
    """A fully connected layer on the last axis: ``y = activation(x @ kernel + bias)``.

    Args:
        in_features: F, the size of the input's last axis.
        out_features: H, the size of the output's last axis.
        activation: None or 'linear', 'tanh', 'sigmoid', 'relu', 'softmax'.
        initialization: 'keras' (glorot_uniform kernel, zero bias) or 'torch'
            (both uniform on +-1/sqrt(F), as torch.nn.Linear).
        rng: a NumPy Generator or int seed; default: the library's generator.
        dtype: float64 (default) or float32.

    Attributes:
        kernel: (F, H). bias: (H,).

    Shapes:
        x: (..., F)
        returns: (..., H)
    """

    acts_on_last_axis = True  # TimeDistributed(Dense) needs no reshaping

    def __init__(
        self,
        in_features,
        out_features,
        activation=None,
        initialization="keras",
        rng=None,
        dtype=np.float64,
    ):
        dtype = init.check_layer_args(
            "Dense", dtype, in_features=in_features, out_features=out_features
        )
        check_activation(activation)
        init.check_scheme(initialization)
        rng = init.get_rng(rng)
        self.in_features = in_features
        self.out_features = out_features
        self.activation = activation
        shape = (in_features, out_features)
        if initialization == "keras":
            kernel = init.glorot_uniform(shape, rng, dtype)
            bias = init.zeros(out_features, dtype=dtype)
        else:
            kernel = init.torch_uniform(shape, rng, dtype, fan=in_features)
            bias = init.torch_uniform(out_features, rng, dtype, fan=in_features)
        self.kernel = Tensor(kernel, requires_grad=True)
        self.bias = Tensor(bias, requires_grad=True)

    def forward(self, x):
        """activation(x @ kernel + bias) on the last axis of x."""
        x = as_input(x, self.kernel.dtype)
        check_input("Dense", x, None, self.in_features, self.kernel.dtype)
        y = addmm(self.bias, x, self.kernel)  # x @ kernel + bias: (..., H)
        return activate(y, self.activation)

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}, activation={self.activation}"


class TimeDistributed(Module):
    """Apply ``layer`` to every time step: (B, T, ...) -> (B, T, ...).

    The batch and time axes are merged, the layer runs once on all B*T rows, and the
    axes are split again, as Keras's TimeDistributed. A layer that already acts on the
    last axis of any rank (``acts_on_last_axis = True``, as Dense) is applied to x
    directly, which computes the same numbers with two recorded ops fewer.

    Shapes:
        x: (B, T, *F)
        returns: (B, T, *layer output)
    """

    def __init__(self, layer):
        self.layer = layer

    def forward(self, x):
        """The inner layer applied to every (batch, step) row of x."""
        if not isinstance(x, Tensor):  # constants take the inner layer's dtype
            x = as_input(x, _dtype_of(self.layer))
        if x.ndim < 3:
            raise ValueError(
                f"TimeDistributed expects an input of rank >= 3 (B, T, ...), "
                f"got shape {x.shape}"
            )
        if getattr(self.layer, "acts_on_last_axis", False):
            return self.layer(x)
        batch, steps = x.shape[:2]
        rows = x.reshape((batch * steps,) + x.shape[2:])  # (B*T, ...)
        try:
            y = self.layer(rows)
        except ValueError as error:
            raise ValueError(
                f"TimeDistributed: input of shape {x.shape} was merged to "
                f"{rows.shape} for the inner layer, which says: {error}"
            ) from None
        return y.reshape((batch, steps) + y.shape[1:])  # (B, T, ...)


class RepeatVector(Module):
    """Repeat a vector n times along a new time axis: (B, F) -> (B, n, F).

    Turns one input into a sequence, as in a one-to-many model.
    """

    def __init__(self, n):
        if int(n) != n or n < 1:
            raise ValueError(f"RepeatVector needs a positive integer n, got {n!r}")
        self.n = int(n)

    def forward(self, x):
        """x (B, F) repeated n times: (B, n, F).

        Integer or boolean codes (one-hot, say) are constants: they come back as a
        read-only NumPy view, still integers, and the next layer converts them to its
        own dtype as it would any input. Anything else gives a Tensor.
        """
        codes = x if isinstance(x, Tensor) else np.asarray(x)
        if codes.dtype.kind in "biu":
            check_input("RepeatVector", codes, 2, None)
            batch, features = codes.shape
            return np.broadcast_to(codes[:, None, :], (batch, self.n, features))
        x = as_input(x, np.float64)
        check_input("RepeatVector", x, 2, None)
        batch, features = x.shape
        return x.reshape(batch, 1, features).broadcast_to((batch, self.n, features))

    def extra_repr(self):
        return str(self.n)


class Sequential(Module):
    """Layers applied one after another; ``model[i]`` is the i-th layer.

    Parameters are named by position: ``0.cell.kernel``, ``1.layer.bias``, ...
    """

    def __init__(self, *layers):
        self.layers = list(layers)

    def children(self):
        return [(str(i), layer) for i, layer in enumerate(self.layers)]

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    @property
    def dtype(self):
        """The dtype of the model's parameters (float64 for a model without any)."""
        for _, parameter in self.named_parameters():
            return parameter.dtype
        return np.dtype(np.float64)

    def forward(self, x):
        """x through every layer in order."""
        for layer in self.layers:
            x = layer(x)
        return x

    def summary(self, input_shape, dtype=None):
        """A table of the layers, their output shapes and parameter counts.

        Args:
            input_shape: the shape of one sample, without the batch axis, e.g. (T, F),
                as a tuple.
            dtype: the dtype of the zero input run through the model; by default the
                model's own.

        Returns:
            The table as a string (the library prints nothing itself).
        """
        if not isinstance(input_shape, (tuple, list)):
            raise TypeError(
                f"summary: input_shape must be a tuple such as (T, F), "
                f"got {input_shape!r}"
            )
        dtype = self.dtype if dtype is None else dtype
        x = Tensor(np.zeros((1,) + tuple(input_shape), dtype=dtype))
        rows = [("Layer", "Output shape", "Params")]
        with no_grad():
            for i, layer in enumerate(self.layers):
                x = layer(x)
                out = x[0] if isinstance(x, tuple) else x
                shape = "(B, " + ", ".join(str(n) for n in out.shape[1:]) + ")"
                name = f"{i}: {_describe(layer)}"
                rows.append((name, shape, f"{layer.num_parameters():,}"))
        widths = [max(len(row[k]) for row in rows) for k in range(3)]
        rule = "-" * (sum(widths) + 4)
        lines = [rule]
        for j, (name, shape, count) in enumerate(rows):
            lines.append(
                f"{name:<{widths[0]}}  {shape:<{widths[1]}}  {count:>{widths[2]}}"
            )
            if j == 0:
                lines.append(rule)
        lines += [rule, f"Total params: {self.num_parameters():,}"]
        return "\n".join(lines)


def _describe(layer):
    """A layer's name in ``summary``: 'SimpleRNN', 'TimeDistributed(Dense)', ..."""
    inner = getattr(layer, "layer", None)
    if isinstance(inner, Module):
        return f"{type(layer).__name__}({_describe(inner)})"
    return type(layer).__name__


def _dtype_of(module):
    """The dtype of a module's first parameter (float64 when it has none)."""
    params = module.parameters()
    return params[0].dtype if params else np.float64
