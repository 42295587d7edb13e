"""Read-only JSON trees for what the renderer caches and hands to every caller.

A cached message or scope is shared by every answer of the process: a caller that
changed it in place would change what every later resident sees. These subclasses
refuse any change with a TypeError, yet stay a ``dict`` and a ``list`` for
``isinstance``, ``json`` and ``orjson``. ``copy.deepcopy`` (or ``dict(...)``,
``{**...}``) gives the plain, changeable copy a caller may then edit.
"""
from __future__ import annotations

import copy
from typing import Any, NoReturn, TypeVar, cast

T = TypeVar("T")

_REFUSAL = "a cached Flex message is shared by every answer: change a copy.deepcopy() of it"


def _refuse(self: object, *args: object, **kwargs: object) -> NoReturn:
    raise TypeError(_REFUSAL)


class FrozenDict(dict[str, Any]):
    __slots__ = ()

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {key: copy.deepcopy(value, memo) for key, value in self.items()}

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))


class FrozenList(list[Any]):
    __slots__ = ()

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [copy.deepcopy(value, memo) for value in self]

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))


def freeze(value: T) -> T:
    """``value`` with every dict and list in it made read-only (scalars are already)."""
    if isinstance(value, dict):
        return cast(T, FrozenDict({key: freeze(item) for key, item in value.items()}))
    if isinstance(value, list):
        return cast(T, FrozenList(freeze(item) for item in value))
    return value
