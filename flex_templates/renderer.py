"""Fill a Flex template on its parsed JSON tree.

Values are substituted into Python strings inside the tree and the tree is
serialised by ``json`` afterwards, so quotes, backslashes, newlines or "{{" in
the data can never break the JSON or be expanded a second time.

Syntax (docs/flex.md):
- ``"{{path}}"`` or ``"ยอด {{path|filter}}"`` in any string; ``path`` is dotted
  (``item.title``, ``org.short_name``). A missing or null value is an error.
- ``"$if": "path"`` (or ``"!path"``) on an object: the object is dropped when the
  value is missing, null, false, "" or an empty list (zero counts as present); an
  array element disappears, a property is removed.
- ``"$repeat": "path"`` on an array element: the element is repeated once per item
  of the list at ``path``; inside, the item is ``item`` (or the ``"$as"`` name) and
  its 1-based position ``number``. ``"$max": N`` refuses longer lists.
- ``"$bind": {"prop": "text with {{placeholders}}"}``: sets ``prop`` after filling,
  so the template can keep a literal the simulator accepts (a colour, a tel: URI).
- ``"$altText"`` at the root: the notification text of the message.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .filters import FILTERS, default_text

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*(?:\|\s*([a-z_]+)\s*)?\}\}")
_DIRECTIVES = {"$if", "$repeat", "$as", "$max", "$bind", "$altText"}
_MISSING = object()


class TemplateError(ValueError):
    """A template cannot be filled with the given data; the message names the
    template, the place in the tree and the value."""


def lookup(scope: Mapping[str, Any], path: str) -> Any:
    value: Any = scope
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _present(value: Any) -> bool:
    """Zero is an amount worth showing; only absence, false and emptiness hide."""
    if value is _MISSING or value is None or value is False:
        return False
    if isinstance(value, (str, Sequence, Mapping)):
        return len(value) > 0
    return True


class _Filler:
    def __init__(self, template: str) -> None:
        self.template = template

    def error(self, where: str, message: str) -> TemplateError:
        return TemplateError(f"template '{self.template}' at {where or '(root)'}: {message}")

    def text(self, raw: str, scope: Mapping[str, Any], where: str) -> str:
        def replace(match: re.Match[str]) -> str:
            path, filter_name = match.group(1), match.group(2)
            value = lookup(scope, path)
            if value is _MISSING or value is None:
                raise self.error(where, f"missing value '{path}'")
            try:
                if filter_name is None:
                    return default_text(value)
                if filter_name not in FILTERS:
                    raise ValueError(f"unknown filter '{filter_name}'; known: {', '.join(FILTERS)}")
                return FILTERS[filter_name](value)
            except ValueError as exc:
                raise self.error(where, f"'{path}': {exc}") from exc

        return PLACEHOLDER.sub(replace, raw)

    def condition(self, node: Mapping[str, Any], scope: Mapping[str, Any]) -> bool:
        if "$if" not in node:
            return True
        expression = str(node["$if"])
        negate = expression.startswith("!")
        value = lookup(scope, expression.lstrip("!"))
        return _present(value) != negate

    def node(self, node: Any, scope: Mapping[str, Any], where: str) -> Any:
        if isinstance(node, str):
            return self.text(node, scope, where)
        if isinstance(node, list):
            return self.array(node, scope, where)
        if isinstance(node, dict):
            return self.obj(node, scope, where)
        return node

    def array(self, items: list[Any], scope: Mapping[str, Any], where: str) -> list[Any]:
        out: list[Any] = []
        for index, element in enumerate(items):
            here = f"{where}[{index}]"
            if isinstance(element, dict) and "$repeat" in element:
                out.extend(self.repeat(element, scope, here))
            elif isinstance(element, dict) and not self.condition(element, scope):
                continue
            else:
                out.append(self.node(element, scope, here))
        return out

    def repeat(self, element: dict[str, Any], scope: Mapping[str, Any], where: str) -> list[Any]:
        if not self.condition(element, scope):
            return []
        path = element["$repeat"]
        rows = lookup(scope, path)
        if rows is _MISSING or rows is None:
            raise self.error(where, f"missing list '{path}'")
        if not isinstance(rows, Sequence) or isinstance(rows, str):
            raise self.error(where, f"'{path}' must be a list, not {type(rows).__name__}")
        limit = element.get("$max")
        if limit is not None and len(rows) > int(limit):
            raise self.error(where, f"'{path}' has {len(rows)} items; at most {limit} fit")
        name = element.get("$as", "item")
        row_template = {k: v for k, v in element.items() if k not in ("$repeat", "$as", "$max", "$if")}
        filled = []
        for number, row in enumerate(rows, start=1):
            row_scope = {**scope, name: row, "number": number}
            filled.append(self.obj(row_template, row_scope, f"{where}<{path}#{number}>"))
        return filled

    def obj(self, node: dict[str, Any], scope: Mapping[str, Any], where: str) -> dict[str, Any]:
        unknown = {k for k in node if k.startswith("$")} - _DIRECTIVES
        if unknown:
            raise self.error(where, f"unknown directive {sorted(unknown)}")
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key.startswith("$"):
                continue
            here = f"{where}.{key}" if where else key
            if isinstance(value, dict) and "$repeat" in value:
                raise self.error(here, "$repeat belongs on an array element")
            if isinstance(value, dict) and not self.condition(value, scope):
                continue
            out[key] = self.node(value, scope, here)
        for key, raw in node.get("$bind", {}).items():
            out[key] = self.text(raw, scope, f"{where}.$bind.{key}")
        return out


def fill(name: str, template: dict[str, Any], scope: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return (altText, contents) for ``template`` filled from ``scope``."""
    filler = _Filler(name)
    if "$altText" not in template:
        raise filler.error("", "the root needs \"$altText\"")
    alt_text = filler.text(template["$altText"], scope, "$altText")
    return alt_text, filler.obj(template, scope, "")
