"""Embedding: a lookup table from integer ids to learned vectors.

``y = embeddings[ids]`` is the same as ``one_hot(ids) @ embeddings`` without building
the one-hot array. The lookup is the recorded ``getitem`` op, whose backward adds each
row of dL/dy into the row of dL/dembeddings its id names (``np.add.at``): an id that
occurs k times receives the sum of its k gradients.

Shape letters: B batch, T time steps, V vocabulary (num_embeddings), E embedding size.
"""

import numpy as np

from tinygrad_rnn.nn import init
from tinygrad_rnn.nn.module import Module
from tinygrad_rnn.tensor import Tensor


class Embedding(Module):
    """Map integer ids in [0, V) to rows of a (V, E) weight matrix.

    Args:
        num_embeddings: V, the number of distinct ids.
        dim: E, the size of each vector.
        initialization: 'keras' (uniform on [-0.05, 0.05], Keras's Embedding default)
            or 'torch' (standard normal, as torch.nn.Embedding).
        rng: a NumPy Generator or int seed; default: the library's generator.
        dtype: float64 (default) or float32.

    Attributes:
        embeddings: (V, E), Keras's name for the table.

    Shapes:
        ids: (...) integers, e.g. (B, T)
        returns: (..., E), e.g. (B, T, E)

    Raises:
        TypeError: if ids are not integers (a float Tensor of ids is refused too, so
            that a one-hot input given by mistake is not silently reinterpreted).
        ValueError: if an id lies outside [0, V).

    Example:
        >>> emb = Embedding(5, 3)
        >>> emb(np.array([[0, 4, 4]])).shape
        (1, 3, 3)
    """

    def __init__(
        self, num_embeddings, dim, initialization="keras", rng=None, dtype=np.float64
    ):
        dtype = init.check_layer_args(
            "Embedding", dtype, num_embeddings=num_embeddings, dim=dim
        )
        init.check_scheme(initialization)
        rng = init.get_rng(rng)
        self.num_embeddings = int(num_embeddings)
        self.dim = int(dim)
        shape = (self.num_embeddings, self.dim)
        if initialization == "keras":
            table = rng.uniform(-0.05, 0.05, size=shape)
        else:
            table = rng.standard_normal(shape)
        self.embeddings = Tensor(table.astype(dtype), requires_grad=True)

    def forward(self, ids):
        """The rows of ``embeddings`` named by ``ids``."""
        ids = self._checked_ids(ids)
        return self.embeddings[ids]  # (..., E)

    def _checked_ids(self, ids):
        if isinstance(ids, Tensor):
            raise TypeError(
                "Embedding takes integer ids as a NumPy array or list, not a Tensor "
                f"(Tensors hold floats; got one of dtype {ids.dtype})"
            )
        ids = np.asarray(ids)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"Embedding needs integer ids, got dtype {ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_embeddings):
            raise ValueError(
                f"Embedding: ids must lie in [0, {self.num_embeddings - 1}], got "
                f"values from {ids.min()} to {ids.max()}"
            )
        return ids

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.dim}"
