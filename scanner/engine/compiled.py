"""JMESPath expressions compiled once into Python closures, with the reference interpreter's semantics.

`jmespath`'s TreeInterpreter walks the AST for every search, dispatching on node types by name;
with 66 rules over every cluster that dispatch is most of a scan's evaluation time. Each node
here becomes a closure once, at rule load, mirroring `jmespath.visitor.TreeInterpreter` node for
node (truthiness, comparisons that give null for non-numbers, projections that drop nulls,
`!0 == false`), and function calls go through the same `Functions.call_function` — so argument
type checks and our registered functions behave exactly as before. A test compares both on every
expression of the rule pack.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import jmespath
from jmespath.visitor import _equals, _is_actual_number, _is_comparable

from scanner.engine.functions import OPTIONS

Fn = Callable[[Any], Any]
_FUNCTIONS = OPTIONS.custom_functions
_ORDERING = {"lt": operator.lt, "gt": operator.gt, "lte": operator.le, "gte": operator.ge}


def _is_false(value: Any) -> bool:
    return value == "" or value == [] or value == {} or value is None or value is False


class _Expression:  # the name jmespath's type check knows an expref by
    """What `&expr` hands to `sort_by`, `max_by`, ...: they call `ref.visit(ref.expression, item)`."""

    def __init__(self, node: dict, fn: Fn):
        self.expression = node
        self._fn = fn

    def visit(self, node: dict, value: Any) -> Any:
        return self._fn(value)


def _chain(fns: list[Fn]) -> Fn:
    def run(value: Any) -> Any:
        for fn in fns:
            value = fn(value)
        return value

    return run


def _field(name: str) -> Fn:
    def run(value: Any) -> Any:
        try:
            return value.get(name)
        except AttributeError:
            return None

    return run


def _comparator(op: str, left: Fn, right: Fn) -> Fn:
    if op == "eq":
        return lambda value: _equals(left(value), right(value))
    if op == "ne":
        return lambda value: not _equals(left(value), right(value))
    compare = _ORDERING[op]

    def run(value: Any) -> Any:
        a, b = left(value), right(value)
        if not (_is_comparable(a) and _is_comparable(b)):
            return None
        return compare(a, b)

    return run


def _function(name: str, args: list[Fn]) -> Fn:
    spec = _FUNCTIONS.FUNCTION_TABLE.get(name)
    signature = spec["signature"] if spec else None
    untyped = bool(signature) and len(signature) == len(args) and not any(
        arg.get("types") or arg.get("variadic") for arg in signature)
    if untyped:  # the type check would accept anything: call the function itself
        function = spec["function"]
        return lambda value: function(_FUNCTIONS, *[arg(value) for arg in args])
    call = _FUNCTIONS.call_function
    return lambda value: call(name, [arg(value) for arg in args])


def _projection(base: Fn, each: Fn, values: bool = False) -> Fn:
    def run(value: Any) -> Any:
        items = base(value)
        if values:
            try:
                items = items.values()
            except AttributeError:
                return None
        elif not isinstance(items, list):
            return None
        collected = []
        for element in items:
            current = each(element)
            if current is not None:
                collected.append(current)
        return collected

    return run


def _filter(base: Fn, each: Fn, condition: Fn) -> Fn:
    def run(value: Any) -> Any:
        items = base(value)
        if not isinstance(items, list):
            return None
        collected = []
        for element in items:
            if not _is_false(condition(element)):
                current = each(element)
                if current is not None:
                    collected.append(current)
        return collected

    return run


def _flatten(base: Fn) -> Fn:
    def run(value: Any) -> Any:
        items = base(value)
        if not isinstance(items, list):
            return None
        merged = []
        for element in items:
            if isinstance(element, list):
                merged.extend(element)
            else:
                merged.append(element)
        return merged

    return run


def _index(position: int) -> Fn:
    def run(value: Any) -> Any:
        if not isinstance(value, list):
            return None
        try:
            return value[position]
        except IndexError:
            return None

    return run


def _slice(bounds: list) -> Fn:
    chosen = slice(*bounds)
    return lambda value: value[chosen] if isinstance(value, list) else None


def _multi_dict(pairs: list[tuple[str, Fn]]) -> Fn:
    def run(value: Any) -> Any:
        if value is None:
            return None
        return {key: fn(value) for key, fn in pairs}

    return run


def _multi_list(fns: list[Fn]) -> Fn:
    def run(value: Any) -> Any:
        if value is None:
            return None
        return [fn(value) for fn in fns]

    return run


def _or(left: Fn, right: Fn) -> Fn:
    def run(value: Any) -> Any:
        matched = left(value)
        return right(value) if _is_false(matched) else matched

    return run


def _and(left: Fn, right: Fn) -> Fn:
    def run(value: Any) -> Any:
        matched = left(value)
        return matched if _is_false(matched) else right(value)

    return run


def _not(inner: Fn) -> Fn:
    def run(value: Any) -> Any:
        result = inner(value)
        if _is_actual_number(result) and result == 0:
            return False
        return not result

    return run


def compile_node(node: dict) -> Fn:
    kind = node["type"]
    children = node.get("children", [])
    if kind in ("subexpression", "index_expression", "pipe"):
        return _chain([compile_node(c) for c in children])
    if kind == "field":
        return _field(node["value"])
    if kind == "comparator":
        return _comparator(node["value"], compile_node(children[0]), compile_node(children[1]))
    if kind in ("current", "identity"):
        return lambda value: value
    if kind == "literal":
        literal = node["value"]
        return lambda value: literal
    if kind == "expref":
        ref = _Expression(children[0], compile_node(children[0]))
        return lambda value: ref
    if kind == "function_expression":
        return _function(node["value"], [compile_node(c) for c in children])
    if kind == "filter_projection":
        return _filter(compile_node(children[0]), compile_node(children[1]), compile_node(children[2]))
    if kind == "projection":
        return _projection(compile_node(children[0]), compile_node(children[1]))
    if kind == "value_projection":
        return _projection(compile_node(children[0]), compile_node(children[1]), values=True)
    if kind == "flatten":
        return _flatten(compile_node(children[0]))
    if kind == "index":
        return _index(node["value"])
    if kind == "slice":
        return _slice(children)
    if kind == "key_val_pair":
        return compile_node(children[0])
    if kind == "multi_select_dict":
        return _multi_dict([(c["value"], compile_node(c)) for c in children])
    if kind == "multi_select_list":
        return _multi_list([compile_node(c) for c in children])
    if kind == "or_expression":
        return _or(compile_node(children[0]), compile_node(children[1]))
    if kind == "and_expression":
        return _and(compile_node(children[0]), compile_node(children[1]))
    if kind == "not_expression":
        return _not(compile_node(children[0]))
    raise NotImplementedError(f"JMESPath node type {kind!r}")


class Expression:
    """A compiled expression: `search(value)` runs it; `parsed` and `expression` are jmespath's."""

    __slots__ = ("expression", "parsed", "_run")

    def __init__(self, text: str):
        parsed = jmespath.compile(text)
        self.expression = text
        self.parsed = parsed.parsed
        self._run = compile_node(self.parsed)

    def search(self, value: Any, options: Any = None) -> Any:
        return self._run(value)


def compile_expression(text: str) -> Expression:
    return Expression(text)
