"""The project's own error types: bad input or a run the solver could not finish.

Only these count as user errors: the app shows them as a message beside the input and the
command line prints them as one line with exit code 2. Any other exception (a plain `ValueError`,
`KeyError`, ...) is a programming error and keeps its traceback.

    ModelError
    ├── ParameterError     a parameter, state, time or option outside what the model accepts
    ├── InterventionError  an intervention field outside its range, or an unreadable intervention
    ├── SpecError          a sweep specification that cannot be run
    └── SimulationError    the solver failed (too many steps, non-finite or negative states)

`ParameterError`, `InterventionError` and `SpecError` are also `ValueError`s and `SimulationError`
a `RuntimeError`, so code written against those keeps working.
"""

from __future__ import annotations

__all__ = ["InterventionError", "ModelError", "ParameterError", "SimulationError", "SpecError"]


class ModelError(Exception):
    """Base of the project's errors: the message is one line a user can act on (field, range, where)."""


class ParameterError(ModelError, ValueError):
    """A parameter name or value that the model does not accept; the message names field and range."""


class InterventionError(ModelError, ValueError):
    """An intervention that cannot be built or parsed; the message names the field and allowed range."""


class SpecError(ModelError, ValueError):
    """A sweep specification that cannot be run; the message names the key and what is allowed."""


class SimulationError(ModelError, RuntimeError):
    """The solver failed (too many steps, non-finite or negative states); the message says where."""
