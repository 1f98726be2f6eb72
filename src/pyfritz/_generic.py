"""``Generic`` and ``Protocol`` as pyfritz's own classes have them at run time.

Why: in the browser every class statement runs at each page load, and a class
deriving from :class:`typing.Generic` or :class:`typing.Protocol` runs
:mod:`typing`'s machinery as it is made (``__init_subclass__`` collecting type
parameters, every ``Flow[T]`` in a class header a ``typing._GenericAlias``
checked parameter by parameter, a protocol's metaclass): about 2,000 Python
calls for the classes the demo page defines at start (issue 13).

Type checkers see :class:`typing.Generic` and :class:`typing.Protocol` (the
names are aliases for them). At run time :class:`Generic` is a plain base
whose ``__class_getitem__`` makes a :class:`types.GenericAlias`, as
``list[int]`` does, and :class:`Protocol` is a plain base under it. So
``Flow[int]``, ``class MyStore(RootStore[Person])``, ``typing.get_origin``
/ ``get_args`` of a subscripted class, ``__orig_bases__``, annotations and a
user's own ``typing.Generic[T]`` beside a pyfritz class all work as before.
What a class made this way does not have: a class-level ``__parameters__``
(the subscripted alias has it), a run-time check of the number of type
arguments (``Flow[int, str]`` is refused by type checkers only), and for the
protocols, ``typing``'s protocol behaviour (they cannot be extended by a
``typing.Protocol`` of one's own; ``isinstance`` against them is a nominal
check). Classes that need the real ones keep them: a ``NamedTuple`` that is
generic (``keyed.Step``) must derive from :class:`typing.Generic`.
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING

__all__ = ["Generic", "Protocol"]

if TYPE_CHECKING:
    from typing import Generic as Generic
    from typing import Protocol as Protocol
else:

    class Generic:
        """A base that can be subscripted: ``Cls[int]`` is ``types.GenericAlias(Cls, int)``."""

        __slots__ = ()
        __class_getitem__ = classmethod(types.GenericAlias)

    class Protocol(Generic):
        """A protocol's base at run time: documents a shape, checks nothing."""

        __slots__ = ()
