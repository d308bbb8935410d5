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


def _array(value, name, layout, where):
    """A float copy of ``value`` (a NumPy array or anything with ``__array__``).

    ``layout`` names the expected axes, e.g. ("H", "F"); its length is the rank.
    """
    array = np.array(value)
    if array.dtype.kind != "f":
        raise TypeError(f"{where}: {name} must hold floats, got dtype {array.dtype}")
    if array.ndim != len(layout):
        axes = ", ".join(layout) + ("," if len(layout) == 1 else "")
        raise ValueError(
            f"{where}: {name} must be {len(layout)}-D ({axes}), got shape {array.shape}"
        )
    return array


def _check_shape(array, shape, name, where):
    if array.shape != shape:
        raise ValueError(f"{where}: {name} must have shape {shape}, got {array.shape}")


def _check_keys(state, allowed, required, where, hint=""):
    """Raise KeyError naming the missing keys, or else the unexpected ones."""
    if not isinstance(state, dict):
        raise TypeError(f"{where} takes a dict of arrays, got {type(state).__name__}")
    missing = sorted(set(required) - set(state))
    if missing:
        raise KeyError(f"{where}: missing keys {missing}; got {sorted(state)}")
    unexpected = sorted(set(state) - set(allowed))
    if unexpected:
        raise KeyError(
            f"{where}: unexpected keys {unexpected}; expected only "
            f"{sorted(allowed)}{hint}"
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
        KeyError: for missing keys, or other keys (more layers,
            ``bidirectional=True``, ``proj_size``).
        ValueError: if an array has the wrong rank or the shapes do not fit together.
        TypeError: if an array does not hold floats.

    Notes:
        The sum gives identical outputs, but training the two torch biases is not the
        same as training their sum (see the module docstring).
    """
    where = "from_torch_rnn"
    _check_keys(
        state,
        _TORCH_RNN_KEYS,
        _TORCH_RNN_KEYS[:2],
        where,
        "; only single-layer, unidirectional RNNs are supported",
    )
    weight_ih = _array(state["weight_ih_l0"], "weight_ih_l0", ("H", "F"), where)
    hidden, features = weight_ih.shape
    weight_hh = _array(state["weight_hh_l0"], "weight_hh_l0", ("H", "H"), where)
    _check_shape(weight_hh, (hidden, hidden), "weight_hh_l0", where)
    bias = np.zeros(hidden, dtype=weight_ih.dtype)
    for key in ("bias_ih_l0", "bias_hh_l0"):
        if key in state:
            part = _array(state[key], key, ("H",), where)
            _check_shape(part, (hidden,), key, where)
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

    Raises:
        KeyError: for missing or unexpected keys.
        ValueError: if an array has the wrong rank or the shapes do not fit together.
    """
    kernel, recurrent, bias = _simple_rnn_arrays(weights, "to_torch_rnn")
    return {
        "weight_ih_l0": kernel.T.copy(),  # (H, F)
        "weight_hh_l0": recurrent.T.copy(),  # (H, H)
        "bias_ih_l0": bias.copy(),  # (H,)
        "bias_hh_l0": np.zeros_like(bias),  # (H,)
    }


def _simple_rnn_arrays(weights, where, names=("kernel", "recurrent_kernel", "bias")):
    """The three arrays, checked; ``names`` label them in error messages."""
    keys = ("kernel", "recurrent_kernel", "bias")
    _check_keys(weights, keys, keys, where)
    kernel = _array(weights["kernel"], names[0], ("F", "H"), where)
    hidden = kernel.shape[1]
    recurrent = _array(weights["recurrent_kernel"], names[1], ("H", "H"), where)
    _check_shape(recurrent, (hidden, hidden), names[1], where)
    bias = _array(weights["bias"], names[2], ("H",), where)
    _check_shape(bias, (hidden,), names[2], where)
    return kernel, recurrent, bias


# ----------------------------------------------------------------- PyTorch nn.Linear


def from_torch_linear(state):
    """Convert a ``torch.nn.Linear`` state dict to Dense weights.

    Args:
        state: {'weight': (O, F), 'bias': (O,)}; 'bias' may be absent.

    Returns:
        {'kernel': (F, O), 'bias': (O,)} (a zero bias when torch had none).

    Raises:
        KeyError: for missing or unexpected keys.
        ValueError: if an array has the wrong rank or the shapes do not fit together.
    """
    where = "from_torch_linear"
    _check_keys(state, ("weight", "bias"), ("weight",), where)
    weight = _array(state["weight"], "weight", ("O", "F"), where)
    out_features = weight.shape[0]
    if "bias" in state:
        bias = _array(state["bias"], "bias", ("O",), where)
        _check_shape(bias, (out_features,), "bias", where)
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


def _dense_arrays(weights, where, names=("kernel", "bias")):
    """The two arrays, checked; ``names`` label them in error messages."""
    _check_keys(weights, ("kernel", "bias"), ("kernel", "bias"), where)
    kernel = _array(weights["kernel"], names[0], ("F", "O"), where)
    bias = _array(weights["bias"], names[1], ("O",), where)
    _check_shape(bias, (kernel.shape[1],), names[1], where)
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
    kernel, recurrent, bias = _simple_rnn_arrays(
        named,
        "from_keras_simple_rnn",
        ("weights[0] (kernel)", "weights[1] (recurrent_kernel)", "weights[2] (bias)"),
    )
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

    Raises:
        ValueError: for a list of other than two arrays, or wrong ranks or shapes
            (as for [bias, kernel], the wrong order).
    """
    if len(weights) != 2:
        raise ValueError(
            "from_keras_dense expects [kernel, bias], got "
            f"{len(weights)} arrays (use_bias=False is not supported)"
        )
    kernel, bias = _dense_arrays(
        dict(zip(("kernel", "bias"), weights)),
        "from_keras_dense",
        ("weights[0] (kernel)", "weights[1] (bias)"),
    )
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


def _model_state(model, state, where):
    """``state`` (default ``model.state_dict()``), checked for names and shapes."""
    expected = model.state_dict()
    if state is None:
        return expected
    _check_keys(state, expected, expected, where)
    for name, array in expected.items():
        if np.shape(state[name]) != array.shape:
            raise ValueError(
                f"{where}: state[{name!r}] must have shape {array.shape}, "
                f"got {np.shape(state[name])}"
            )
    return state


def from_torch_sequential(model, torch_states):
    """A state dict for ``model`` from one torch state dict per weighted layer.

    Args:
        model: a :class:`~tinygrad_rnn.nn.Sequential` of SimpleRNN, Dense,
            TimeDistributed(Dense) and weightless layers (RepeatVector).
        torch_states: a list with, for each layer that has weights, in order, the
            state dict of the matching ``nn.RNN`` or ``nn.Linear`` (as arrays).

    Returns:
        {dotted name: array} for ``model.load_state_dict``.

    Raises:
        ValueError: for the wrong number of state dicts; otherwise as the layer
            converters, with the message naming the state dict's index.
    """
    layers = _weighted_layers(model)
    if len(torch_states) != len(layers):
        raise ValueError(
            f"from_torch_sequential: the model has {len(layers)} layers with weights, "
            f"got {len(torch_states)} state dicts"
        )
    state = {}
    for i, ((prefix, kind), torch_state) in enumerate(zip(layers, torch_states)):
        convert = from_torch_rnn if kind == "rnn" else from_torch_linear
        try:
            weights = convert(torch_state)
        except (KeyError, ValueError, TypeError) as error:
            message = f"from_torch_sequential: torch_states[{i}]: {error.args[0]}"
            raise type(error)(message) from error
        state.update(_prefixed(weights, prefix))
    return state


def to_torch_sequential(model, state=None):
    """One torch state dict (as arrays) per weighted layer of ``model``.

    Args:
        model: a Sequential, as for :func:`from_torch_sequential`.
        state: the weights to convert; default ``model.state_dict()``.

    Returns:
        A list of ``nn.RNN`` / ``nn.Linear`` state dicts, in layer order.

    Raises:
        KeyError: if ``state`` lacks one of the model's names or has others.
        ValueError: if an array's shape differs from the model's parameter.
    """
    state = _model_state(model, state, "to_torch_sequential")
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

    Raises:
        ValueError: for the wrong number of arrays, or an array of the wrong rank or
            shape (named by its index in ``weights`` and its name in ``model``).
    """
    weights = list(weights)
    layers = _weighted_layers(model)
    expected = sum(3 if kind == "rnn" else 2 for _, kind in layers)
    if len(weights) != expected:
        raise ValueError(
            f"from_keras_sequential: the model has {expected} weight arrays, "
            f"got {len(weights)}"
        )
    state = {}
    start = 0
    for prefix, kind in layers:
        keys = (
            ("kernel", "recurrent_kernel", "bias")
            if kind == "rnn"
            else ("kernel", "bias")
        )
        taken = dict(zip(keys, weights[start : start + len(keys)]))
        names = [f"weights[{start + i}] ({prefix}{key})" for i, key in enumerate(keys)]
        check = _simple_rnn_arrays if kind == "rnn" else _dense_arrays
        arrays = check(taken, "from_keras_sequential", names)
        state.update(_prefixed(dict(zip(keys, arrays)), prefix))
        start += len(keys)
    return state


def to_keras_sequential(model, state=None):
    """The flat list ``keras.Sequential.set_weights`` takes, for ``model``'s weights.

    Args:
        model: a Sequential, as for :func:`from_keras_sequential`.
        state: the weights to convert; default ``model.state_dict()``.

    Raises:
        KeyError: if ``state`` lacks one of the model's names or has others.
        ValueError: if an array's shape differs from the model's parameter.
    """
    state = _model_state(model, state, "to_keras_sequential")
    weights = []
    for prefix, kind in _weighted_layers(model):
        convert = to_keras_simple_rnn if kind == "rnn" else to_keras_dense
        weights += convert(_unprefixed(state, prefix))
    return weights
