"""Recurrent layers, declared from recorded ops: backpropagation through time is simply
``backward()`` on the unrolled graph. There is no hand-written BPTT here.

A cell describes one time step; :class:`RNN` unrolls any cell over the time axis. The
cell interface, which an LSTM or GRU cell also fits:

- ``cell.input_size``, ``cell.hidden_size``;
- ``cell.project(x)``: the input's contribution to every step at once,
  (..., F) -> (..., G), one matmul for the whole sequence (RNN passes x time-major,
  (T, B, F), and gets x_proj (T, B, G));
- ``cell.initial_state(batch, dtype)``: a tuple of zero state tensors;
- ``cell.step(x_proj, t, state)``: step t, from the projected input x_proj[t] (B, G)
  and the previous state tuple; returns ``(y_t, new_state)``. The cell reads x_proj[t]
  inside its first op (``addmm(x_proj, h_prev, U, at=t)``), so that reading it is not
  an op of its own. ``state=None`` stands for the zero state: RNN passes it at the
  first of several steps started from zeros, which then skips the recurrent product
  (``0 @ U``), since it could only add zeros.

Shape letters: B batch, T time steps, F input features, H hidden units.
"""

import numpy as np

from tinygrad_rnn.nn import init
from tinygrad_rnn.nn.layers import activate, as_input, check_activation, check_input
from tinygrad_rnn.nn.module import Module
from tinygrad_rnn.tensor import Tensor, addmm, stack


class SimpleRNNCell(Module):
    """One step of an Elman RNN: ``h_t = tanh(x_t @ kernel + h_{t-1} @ recurrent_kernel
    + bias)``, with Keras's names, layouts and default initialisation.

    Args:
        input_size: F.
        hidden_size: H.
        activation: 'tanh' (default), 'relu', 'sigmoid' or 'linear'.
        initialization: 'keras' (glorot_uniform kernel, orthogonal recurrent kernel,
            zero bias) or 'torch' (all uniform on +-1/sqrt(H), as torch.nn.RNN).
        rng: a NumPy Generator or int seed; default: the library's generator.
        dtype: float64 (default) or float32.

    Attributes:
        kernel: (F, H). recurrent_kernel: (H, H). bias: (H,).

    Shapes:
        x_t: (B, F); state: (h_prev,) with h_prev (B, H)
        returns: (h_t, (h_t,)), h_t (B, H)
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        activation="tanh",
        initialization="keras",
        rng=None,
        dtype=np.float64,
    ):
        dtype = init.check_layer_args(
            "SimpleRNNCell", dtype, input_size=input_size, hidden_size=hidden_size
        )
        check_activation(activation)
        if activation == "softmax":
            raise ValueError("SimpleRNNCell activation cannot be 'softmax'")
        init.check_scheme(initialization)
        rng = init.get_rng(rng)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.activation = activation
        if initialization == "keras":
            kernel = init.glorot_uniform((input_size, hidden_size), rng, dtype)
            recurrent = init.orthogonal((hidden_size, hidden_size), rng, dtype)
            bias = init.zeros(hidden_size, dtype=dtype)
        else:
            draw = init.torch_uniform
            kernel = draw((input_size, hidden_size), rng, dtype, fan=hidden_size)
            recurrent = draw((hidden_size, hidden_size), rng, dtype, fan=hidden_size)
            bias = draw(hidden_size, rng, dtype, fan=hidden_size)
        self.kernel = Tensor(kernel, requires_grad=True)
        self.recurrent_kernel = Tensor(recurrent, requires_grad=True)
        self.bias = Tensor(bias, requires_grad=True)

    @property
    def dtype(self):
        """The dtype of the cell's weights."""
        return self.kernel.dtype

    def project(self, x):
        """x @ kernel + bias for every step at once: (..., F) -> (..., H)."""
        return addmm(self.bias, x, self.kernel)  # x @ kernel + bias

    def initial_state(self, batch, dtype):
        """(h_0,) with h_0 = zeros (B, H)."""
        return (Tensor(np.zeros((batch, self.hidden_size), dtype=dtype)),)

    def step(self, x_proj, t, state):
        """h_t = act(x_proj[t] + h_{t-1} @ recurrent_kernel); returns (h_t, (h_t,)).

        ``state=None`` means h_{t-1} = 0, and then h_t = act(x_proj[t]).
        """
        if state is None:
            z = x_proj[t]
        else:
            (h_prev,) = state
            z = addmm(x_proj, h_prev, self.recurrent_kernel, at=t)  # x_t + h_prev @ U
        h = activate(z, self.activation)
        return h, (h,)  # (B, H)

    def forward(self, x_t, state=None):
        """One step from a raw input x_t (B, F); state defaults to zeros."""
        x_t = as_input(x_t, self.dtype)
        check_input("SimpleRNNCell", x_t, 2, self.input_size, self.dtype)
        if state is None:  # zeros, passed for real so that U gets a gradient
            state = self.initial_state(x_t.shape[0], self.dtype)
        else:
            state = checked_state(self, state, x_t.shape[0])
        x_proj = self.project(x_t.reshape(1, *x_t.shape))  # a sequence of one step
        return self.step(x_proj, 0, state)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}, activation={self.activation}"


class RNN(Module):
    """Unroll a cell over the time axis with recorded ops.

    Args:
        cell: a cell (see the module docstring), e.g. :class:`SimpleRNNCell`.
        return_sequences: return every step's output (many-to-many) rather than only
            the last one (many-to-one).
        return_state: also return the final state, as Keras does: ``(y, *state)``.

    Shapes:
        x: (B, T, F)
        initial_state: a (B, H) tensor, or a tuple of them for multi-state cells
        returns: y (B, T, H) if return_sequences else (B, H); with return_state,
            ``(y, h_T)`` for a SimpleRNNCell (``(y, h_T, c_T)`` for an LSTM cell).

    Notes:
        To carry the state across calls without backpropagating into the previous
        call (truncated BPTT), pass ``initial_state=h.detach()``.
    """

    def __init__(self, cell, return_sequences=False, return_state=False):
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state

    def forward(self, x, initial_state=None):
        """Unroll the cell over x's time axis (see the class docstring for shapes)."""
        cell = self.cell
        x = as_input(x, cell.dtype)
        check_input(type(self).__name__, x, 3, cell.input_size, cell.dtype)
        batch, steps = x.shape[:2]
        if steps == 0:
            raise ValueError(f"{type(self).__name__} got an input with no time steps")
        if initial_state is not None:
            state = checked_state(cell, initial_state, batch)
        elif steps > 1:
            state = None  # zeros: the first step skips the product 0 @ U
        else:  # one step: U still gets its (zero) gradient, as in PyTorch and Keras
            state = cell.initial_state(batch, x.dtype)

        # Time-major, so that each step's slice x_proj[t] is one contiguous block.
        x_proj = cell.project(x.transpose(1, 0, 2))  # (T, B, G)
        outputs = []
        for t in range(steps):
            y_t, state = cell.step(x_proj, t, state)  # (B, H)
            outputs.append(y_t)

        y = stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        if self.return_state:
            return (y, *state)
        return y

    def extra_repr(self):
        return (
            f"return_sequences={self.return_sequences}, "
            f"return_state={self.return_state}"
        )


class SimpleRNN(RNN):
    """``RNN(SimpleRNNCell(input_size, hidden_size, ...))``, Keras's SimpleRNN.

    Args:
        input_size, hidden_size, activation, initialization, rng, dtype: as for
            :class:`SimpleRNNCell`.
        return_sequences, return_state: as for :class:`RNN`.
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        return_sequences=False,
        return_state=False,
        activation="tanh",
        initialization="keras",
        rng=None,
        dtype=np.float64,
    ):
        cell = SimpleRNNCell(
            input_size, hidden_size, activation, initialization, rng, dtype
        )
        super().__init__(cell, return_sequences, return_state)


def checked_state(cell, state, batch):
    """The state as a tuple of Tensors, checked against the cell's zero state.

    Raises:
        ValueError: naming the expected and actual count or shapes.
    """
    given_state = state
    state = _as_state_tuple(state)
    expected = cell.initial_state(batch, cell.dtype)
    if len(state) != len(expected):
        hint = ""
        if isinstance(given_state, list):
            hint = "; a list is read as one item per state tensor: pass an array"
        raise ValueError(
            f"state needs {len(expected)} tensor(s), got {len(state)}{hint}"
        )
    checked = []
    for given, zero in zip(state, expected):
        given = as_input(given, cell.dtype)
        if given.shape != zero.shape:
            raise ValueError(
                f"state has shape {given.shape}, expected {zero.shape} (B, H)"
            )
        checked.append(given)
    return tuple(checked)


def _as_state_tuple(state):
    """A single state tensor becomes a 1-tuple; lists become tuples."""
    if isinstance(state, (tuple, list)):
        return tuple(state)
    return (state,)
