"""Module: the base of every layer, holding parameters and sub-modules by attribute.

A parameter is any Tensor attribute with ``requires_grad=True``; a sub-module is any
Module attribute. Both are found in attribute order, so ``named_parameters()`` lists a
model's weights in the order its layers define them, with dotted names such as
``0.cell.kernel``.
"""

import numpy as np

from tinygrad_rnn.tensor import Tensor


class Module:
    """Base class for layers and models.

    Subclasses set parameters and sub-modules as attributes in ``__init__`` and define
    ``forward``; calling the module calls ``forward``.
    """

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        """The computation; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def children(self):
        """(name, module) for each direct sub-module, in attribute order."""
        return [(k, v) for k, v in vars(self).items() if isinstance(v, Module)]

    def named_parameters(self, prefix=""):
        """(dotted name, Tensor) for every parameter of this module and below.

        Returns:
            A list; a Tensor shared by two sub-modules appears once, under its first
            name.
        """
        found, seen = [], set()
        self._collect(prefix, found, seen)
        return found

    def _collect(self, prefix, found, seen):
        for name, value in vars(self).items():
            if (
                isinstance(value, Tensor)
                and value.requires_grad
                and id(value) not in seen
            ):
                seen.add(id(value))
                found.append((prefix + name, value))
        for name, child in self.children():
            child._collect(f"{prefix}{name}.", found, seen)

    def parameters(self):
        """Every parameter Tensor, in the order of ``named_parameters()``."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self):
        """Set every parameter's ``grad`` to None."""
        for p in self.parameters():
            p.grad = None

    def num_parameters(self):
        """The total number of scalar weights."""
        return sum(p.size for p in self.parameters())

    def state_dict(self):
        """{dotted name: copy of the parameter's array}."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state):
        """Copy arrays into the parameters, in place, checking names and shapes.

        Args:
            state: {dotted name: array or Tensor} with exactly this module's
                parameter names.

        Raises:
            KeyError: listing missing and unexpected names.
            ValueError: listing every parameter whose shape differs.
            TypeError: if a value cannot be converted to the parameter's dtype.
            Nothing is changed when any of these is raised.
        """
        params = dict(self.named_parameters())
        state = {k: v.data if isinstance(v, Tensor) else v for k, v in state.items()}
        missing = sorted(set(params) - set(state))
        unexpected = sorted(set(state) - set(params))
        if missing or unexpected:
            raise KeyError(
                f"load_state_dict: missing {missing}, unexpected {unexpected}"
            )
        wrong = [
            f"{name}: expected {params[name].shape}, got {np.shape(state[name])}"
            for name in params
            if np.shape(state[name]) != params[name].shape
        ]
        if wrong:
            raise ValueError("load_state_dict: shape mismatch for " + "; ".join(wrong))
        # Convert everything before copying anything, so a bad value changes nothing.
        arrays = {}
        for name, p in params.items():
            try:
                arrays[name] = np.asarray(state[name], dtype=p.dtype)
            except (TypeError, ValueError) as error:
                raise TypeError(
                    f"load_state_dict: {name} cannot be read as {p.dtype}: {error}"
                ) from None
        for name, p in params.items():
            p.data[...] = arrays[name]

    def extra_repr(self):
        """The text inside this module's parentheses in ``repr``."""
        return ""

    def __repr__(self):
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        children = self.children()
        if not children:
            return lines[0] + ")"
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"
