"""Weight converters between tinygrad_rnn, PyTorch and Keras 3, on plain arrays.

Every function takes and returns NumPy arrays (in dicts or lists), so this module needs
neither torch nor keras. Pass a torch state dict through ``{k: v.numpy() for k, v in
module.state_dict().items()}``, and a Keras layer's weights as ``layer.get_weights()``.
Round trips are exact: converting is transposing, copying, splitting or adding zeros.

Layouts (F input features, H hidden units, O output units):

============================  ======================  ==============================
tinygrad_rnn (Keras names)    Keras 3                 PyTorch
============================  ======================  ==============================
SimpleRNN ``kernel`` (F, H)   ``kernel`` (F, H)       ``weight_ih_l0`` (H, F) = K^T
``recurrent_kernel`` (H, H)   ``recurrent_kernel``    ``weight_hh_l0`` (H, H) = R^T
``bias`` (H,)                 ``bias`` (H,)           ``bias_ih_l0 + bias_hh_l0``
Dense ``kernel`` (F, O)       ``kernel`` (F, O)       Linear ``weight`` (O, F) = K^T
Dense ``bias`` (O,)           ``bias`` (O,)           Linear ``bias`` (O,)
============================  ======================  ==============================

Notes:
    PyTorch's RNN has two biases, added at every step; tinygrad_rnn and Keras have one.
    From torch, the one bias is their sum, which gives the same outputs and the same
    gradient with respect to that sum. To torch, the bias goes into ``bias_ih_l0`` and
    ``bias_hh_l0`` is zero. The two parameterisations are not the same for training:
    torch gives both biases the same gradient and each its own optimiser step, so
    their sum moves about twice as fast as the single bias. To train in torch as
    tinygrad_rnn or Keras does, freeze ``bias_hh_l0`` at zero
    (``rnn.bias_hh_l0.requires_grad_(False)``). See docs/parity.md.

    Only single-layer, unidirectional torch RNNs are converted. LSTM and GRU
    converters will follow the LSTM and GRU cells.
"""

import numpy as np

from tinygrad_rnn.nn.layers import Dense, TimeDistributed
from tinygrad_rnn.nn.recurrent import RNN, SimpleRNNCell

_TORCH_RNN_KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def _array(value, name):
    """A float copy of ``value`` (a NumPy array or anything with ``__array__``)."""
    array = np.array(value)
    if array.dtype.kind != "f":
        raise TypeError(f"{name} must hold floats, got dtype {array.dtype}")
    return array


def _check_shape(array, shape, name):
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")


def _check_keys(state, allowed, required, where):
    unexpected = sorted(set(state) - set(allowed))
    missing = sorted(set(required) - set(state))
    if unexpected or missing:
        raise KeyError(
            f"{where}: missing {missing}, unexpected {unexpected}; only single-layer, "
            "unidirectional layers are supported"
        )


# ----------------------------------------------------------------- PyTorch nn.RNN


def from_torch_rnn(state):
    """Convert a ``torch.nn.RNN`` state dict to SimpleRNNCell weights.

    Args:
        state: {'weight_ih_l0': (H, F), 'weight_hh_l0': (H, H), 'bias_ih_l0': (H,),
            'bias_hh_l0': (H,)} as arrays; the biases may be absent (``bias=False``).

    Returns:
        {'kernel': (F, H), 'recurrent_kernel': (H, H), 'bias': (H,)}, with
        bias = bias_ih_l0 + bias_hh_l0.

    Raises:
        KeyError: for other keys (more layers, ``bidirectional=True``, ``proj_size``).
        ValueError: if the shapes do not fit together.

    Notes:
        The sum gives identical outputs, but training the two torch biases is not the
        same as training their sum (see the module docstring).
    """
    _check_keys(state, _TORCH_RNN_KEYS, _TORCH_RNN_KEYS[:2], "from_torch_rnn")
    weight_ih = _array(state["weight_ih_l0"], "weight_ih_l0")
    hidden, features = weight_ih.shape
    weight_hh = _array(state["weight_hh_l0"], "weight_hh_l0")
    _check_shape(weight_hh, (hidden, hidden), "weight_hh_l0")
    bias = np.zeros(hidden, dtype=weight_ih.dtype)
    for key in ("bias_ih_l0", "bias_hh_l0"):
        if key in state:
            part = _array(state[key], key)
            _check_shape(part, (hidden,), key)
            bias = bias + part
    return {
        "kernel": weight_ih.T.copy(),  # (F, H)
        "recurrent_kernel": weight_hh.T.copy(),  # (H, H)
        "bias": bias,  # (H,)
    }


def to_torch_rnn(weights):
    """Convert SimpleRNNCell weights to a ``torch.nn.RNN(F, H)`` state dict.

    Args:
        weights: {'kernel': (F, H), 'recurrent_kernel': (H, H), 'bias': (H,)}.

    Returns:
        {'weight_ih_l0': (H, F), 'weight_hh_l0': (H, H), 'bias_ih_l0': (H,),
        'bias_hh_l0': zeros (H,)}, ready for ``rnn.load_state_dict`` after
        ``torch.from_numpy``.
    """
    kernel, recurrent, bias = _simple_rnn_arrays(weights, "to_torch_rnn")
    return {
        "weight_ih_l0": kernel.T.copy(),  # (H, F)
        "weight_hh_l0": recurrent.T.copy(),  # (H, H)
        "bias_ih_l0": bias.copy(),  # (H,)
        "bias_hh_l0": np.zeros_like(bias),  # (H,)
    }


def _simple_rnn_arrays(weights, where):
    names = ("kernel", "recurrent_kernel", "bias")
    _check_keys(weights, names, names, where)
    kernel = _array(weights["kernel"], "kernel")
    hidden = kernel.shape[1]
    recurrent = _array(weights["recurrent_kernel"], "recurrent_kernel")
    _check_shape(recurrent, (hidden, hidden), "recurrent_kernel")
    bias = _array(weights["bias"], "bias")
    _check_shape(bias, (hidden,), "bias")
    return kernel, recurrent, bias


# ----------------------------------------------------------------- PyTorch nn.Linear


def from_torch_linear(state):
    """Convert a ``torch.nn.Linear`` state dict to Dense weights.

    Args:
        state: {'weight': (O, F), 'bias': (O,)}; 'bias' may be absent.

    Returns:
        {'kernel': (F, O), 'bias': (O,)} (a zero bias when torch had none).
    """
    _check_keys(state, ("weight", "bias"), ("weight",), "from_torch_linear")
    weight = _array(state["weight"], "weight")
    out_features = weight.shape[0]
    if "bias" in state:
        bias = _array(state["bias"], "bias")
        _check_shape(bias, (out_features,), "bias")
    else:
        bias = np.zeros(out_features, dtype=weight.dtype)
    return {"kernel": weight.T.copy(), "bias": bias}  # (F, O), (O,)


def to_torch_linear(weights):
    """Convert Dense weights {'kernel': (F, O), 'bias': (O,)} to a Linear state dict.

    Returns:
        {'weight': (O, F), 'bias': (O,)}.
    """
    kernel, bias = _dense_arrays(weights, "to_torch_linear")
    return {"weight": kernel.T.copy(), "bias": bias.copy()}  # (O, F), (O,)


def _dense_arrays(weights, where):
    _check_keys(weights, ("kernel", "bias"), ("kernel", "bias"), where)
    kernel = _array(weights["kernel"], "kernel")
    bias = _array(weights["bias"], "bias")
    _check_shape(bias, (kernel.shape[1],), "bias")
    return kernel, bias


# ----------------------------------------------------------------- Keras 3 layers


def from_keras_simple_rnn(weights):
    """Convert ``SimpleRNN.get_weights()`` (or SimpleRNNCell's) to cell weights.

    Args:
        weights: [kernel (F, H), recurrent_kernel (H, H), bias (H,)], Keras's order.

    Returns:
        {'kernel', 'recurrent_kernel', 'bias'}: the same arrays, copied.

    Raises:
        ValueError: for ``use_bias=False`` layers (two arrays) or wrong shapes.
    """
    if len(weights) != 3:
        raise ValueError(
            "from_keras_simple_rnn expects [kernel, recurrent_kernel, bias], got "
            f"{len(weights)} arrays (use_bias=False is not supported)"
        )
    named = dict(zip(("kernel", "recurrent_kernel", "bias"), weights))
    kernel, recurrent, bias = _simple_rnn_arrays(named, "from_keras_simple_rnn")
    return {"kernel": kernel, "recurrent_kernel": recurrent, "bias": bias}


def to_keras_simple_rnn(weights):
    """Convert cell weights to the list ``SimpleRNN.set_weights`` takes.

    Returns:
        [kernel (F, H), recurrent_kernel (H, H), bias (H,)], copies.
    """
    kernel, recurrent, bias = _simple_rnn_arrays(weights, "to_keras_simple_rnn")
    return [kernel.copy(), recurrent.copy(), bias.copy()]


def from_keras_dense(weights):
    """Convert ``Dense.get_weights()`` [kernel (F, O), bias (O,)] to Dense weights.

    Also right for ``TimeDistributed(Dense)``, whose weights are the inner Dense's.
    """
    if len(weights) != 2:
        raise ValueError(
            "from_keras_dense expects [kernel, bias], got "
            f"{len(weights)} arrays (use_bias=False is not supported)"
        )
    kernel, bias = _dense_arrays(dict(zip(("kernel", "bias"), weights)), "Dense")
    return {"kernel": kernel, "bias": bias}


def to_keras_dense(weights):
    """Convert Dense weights to the list ``Dense.set_weights`` takes: [kernel, bias]."""
    kernel, bias = _dense_arrays(weights, "to_keras_dense")
    return [kernel.copy(), bias.copy()]


# ----------------------------------------------------------------- whole models


def _weighted_layers(model):
    """(name prefix, kind) for each layer of a Sequential that has weights.

    kind is 'rnn' for an RNN with a SimpleRNNCell and 'dense' for a Dense, bare or
    inside a TimeDistributed; RepeatVector and other weightless layers are skipped.
    """
    found = []
    for name, layer in model.children():
        prefix = name + "."
        if isinstance(layer, TimeDistributed):
            prefix, layer = prefix + "layer.", layer.layer
        if isinstance(layer, RNN) and isinstance(layer.cell, SimpleRNNCell):
            found.append((prefix + "cell.", "rnn"))
        elif isinstance(layer, Dense):
            found.append((prefix, "dense"))
        elif layer.parameters():
            raise NotImplementedError(
                f"no converter for layer {name} ({type(layer).__name__}); convert its "
                "weights by hand and use load_state_dict"
            )
    return found


def _unprefixed(state, prefix):
    return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}


def _prefixed(weights, prefix):
    return {prefix + k: v for k, v in weights.items()}


def from_torch_sequential(model, torch_states):
    """A state dict for ``model`` from one torch state dict per weighted layer.

    Args:
        model: a :class:`~tinygrad_rnn.nn.Sequential` of SimpleRNN, Dense,
            TimeDistributed(Dense) and weightless layers (RepeatVector).
        torch_states: a list with, for each layer that has weights, in order, the
            state dict of the matching ``nn.RNN`` or ``nn.Linear`` (as arrays).

    Returns:
        {dotted name: array} for ``model.load_state_dict``.
    """
    layers = _weighted_layers(model)
    if len(torch_states) != len(layers):
        raise ValueError(
            f"from_torch_sequential: the model has {len(layers)} layers with weights, "
            f"got {len(torch_states)} state dicts"
        )
    state = {}
    for (prefix, kind), torch_state in zip(layers, torch_states):
        convert = from_torch_rnn if kind == "rnn" else from_torch_linear
        state.update(_prefixed(convert(torch_state), prefix))
    return state


def to_torch_sequential(model, state=None):
    """One torch state dict (as arrays) per weighted layer of ``model``.

    Args:
        model: a Sequential, as for :func:`from_torch_sequential`.
        state: the weights to convert; default ``model.state_dict()``.

    Returns:
        A list of ``nn.RNN`` / ``nn.Linear`` state dicts, in layer order.
    """
    state = model.state_dict() if state is None else state
    converted = []
    for prefix, kind in _weighted_layers(model):
        convert = to_torch_rnn if kind == "rnn" else to_torch_linear
        converted.append(convert(_unprefixed(state, prefix)))
    return converted


def from_keras_sequential(model, weights):
    """A state dict for ``model`` from a Keras ``Sequential.get_weights()`` list.

    Args:
        model: a Sequential of the same architecture as the Keras model
            (SimpleRNN, Dense, TimeDistributed(Dense), RepeatVector).
        weights: the flat list of arrays, in Keras's order.

    Returns:
        {dotted name: array} for ``model.load_state_dict``.
    """
    weights = list(weights)
    state = {}
    for prefix, kind in _weighted_layers(model):
        count = 3 if kind == "rnn" else 2
        if len(weights) < count:
            break
        taken, weights = weights[:count], weights[count:]
        convert = from_keras_simple_rnn if kind == "rnn" else from_keras_dense
        state.update(_prefixed(convert(taken), prefix))
    expected = len(model.parameters())
    if weights or len(state) != expected:
        given = len(state) + len(weights)
        raise ValueError(
            f"from_keras_sequential: the model has {expected} weight arrays, "
            f"got {given}"
        )
    return state


def to_keras_sequential(model, state=None):
    """The flat list ``keras.Sequential.set_weights`` takes, for ``model``'s weights.

    Args:
        model: a Sequential, as for :func:`from_keras_sequential`.
        state: the weights to convert; default ``model.state_dict()``.
    """
    state = model.state_dict() if state is None else state
    weights = []
    for prefix, kind in _weighted_layers(model):
        convert = to_keras_simple_rnn if kind == "rnn" else to_keras_dense
        weights += convert(_unprefixed(state, prefix))
    return weights
