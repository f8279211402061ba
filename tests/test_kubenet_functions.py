"""each_with: a projection reads a value from outside it (used by the KUBENET rules)."""

from __future__ import annotations

import jmespath

from scanner.engine.functions import OPTIONS


def test_each_with_pairs_every_item_with_the_outer_value():
    data = {"pods": ["10.244.0.0/16"], "tables": [{"name": "rt-a"}, {"name": "rt-b"}]}
    found = jmespath.search("each_with(tables, pods)[].{n: item.name, p: env}", data, options=OPTIONS)
    assert found == [{"n": "rt-a", "p": ["10.244.0.0/16"]}, {"n": "rt-b", "p": ["10.244.0.0/16"]}]


def test_each_with_gives_an_empty_list_for_anything_but_a_list():
    assert jmespath.search("each_with(missing, `1`)", {}, options=OPTIONS) == []
    assert jmespath.search("each_with(`[]`, `1`)", {}, options=OPTIONS) == []
