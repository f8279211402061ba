"""Offline input: both Resource Graph shapes, completeness judged from paging metadata, kubectl files."""

from __future__ import annotations

import pytest
from azure_rows import cluster_row, envelope, network_id, nsg_row, vnet_row

from scanner.collect import offline
from scanner.errors import InputError

ROWS = [cluster_row("aks1"), vnet_row("vnet1", ["10.0.0.0/16"], [("snet1", "10.0.0.0/24")]), nsg_row("nsg1", [])]


def test_an_envelope_and_a_bare_array_give_the_same_rows(write_json):
    from_envelope = offline.load([write_json("env.json", envelope(ROWS))])
    from_array = offline.load([write_json("arr.json", ROWS)])
    assert from_envelope.rows == from_array.rows == ROWS


def test_a_complete_envelope_gives_no_coverage_problem(write_json):
    snapshot = offline.load([write_json("env.json", envelope(ROWS))])
    assert snapshot.errors == [] and snapshot.warnings == []


def test_a_bare_array_is_a_warning_not_an_error(write_json):
    snapshot = offline.load([write_json("arr.json", ROWS)])
    assert snapshot.errors == []
    assert "paging metadata" in snapshot.warnings[0]["message"]


def test_an_envelope_with_a_skip_token_is_truncated_and_named(write_json):
    path = write_json("page1.json", envelope(ROWS[:2], skip_token="ew0KICAiJGlkIjogIjEiDQp9", total_records=3))
    snapshot = offline.load([path])
    assert snapshot.errors[0]["source"] == str(path)
    assert "holds 2 of 3 rows" in snapshot.errors[0]["message"]


def test_the_rest_api_shape_with_result_truncated_is_truncated(write_json):
    body = {"totalRecords": 5, "count": 3, "resultTruncated": "true", "facets": [], "data": ROWS}
    errors = offline.load([write_json("rest.json", body)]).errors
    assert "resultTruncated is true" in errors[0]["message"]


def test_the_rest_api_shape_with_result_truncated_false_is_complete(write_json):
    body = {"totalRecords": 3, "count": 3, "resultTruncated": "false", "facets": [], "data": ROWS}
    assert offline.load([write_json("rest.json", body)]).errors == []


def test_all_pages_of_one_query_given_together_are_complete(write_json):
    page1 = write_json("p1.json", envelope(ROWS[:2], skip_token="token", total_records=3))
    page2 = write_json("p2.json", envelope(ROWS[2:], total_records=3))
    snapshot = offline.load([page1, page2])
    assert snapshot.errors == []
    assert len(snapshot.rows) == 3


def test_rows_of_different_files_and_types_are_merged_and_duplicates_read_once(write_json):
    snapshot = offline.load([write_json("a.json", envelope(ROWS[:2])), write_json("b.json", ROWS[1:])])
    assert [r["name"] for r in snapshot.rows] == ["aks1", "vnet1", "nsg1"]
    assert any("duplicate" in w["message"] for w in snapshot.warnings)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"data": [', "not valid JSON at line 1"),
        ('{"value": []}', "expected a JSON array of Resource Graph rows or an object with a 'data' array"),
        ('{"data": {}}', "'data' is not an array"),
        ('"text"', "expected a JSON array"),
    ],
)
def test_a_malformed_input_file_is_an_input_error_naming_the_file(tmp_path, content, expected):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as error:
        offline.load([path])
    assert str(path) in str(error.value)
    assert expected in str(error.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[{"name": "x", "type": "t"}]', "row 0: missing or non-string 'id' column; the row was left out"),
        ('[1]', "row 0: expected an object, got number; the row was left out"),
    ],
)
def test_a_row_that_cannot_be_indexed_is_left_out_and_named_in_coverage(tmp_path, content, expected):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    snapshot = offline.load([path])
    assert snapshot.rows == []
    assert snapshot.errors == [{"source": str(path), "message": expected, "scope": str(path)}]


def test_a_missing_input_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        offline.load([tmp_path / "nope.json"])


# --- --kube-input -------------------------------------------------------------------------------

KUBE_LIST = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": "kube-system"}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default"}},
]}


def test_kube_input_by_name_attaches_objects_to_the_cluster(write_json):
    rows = write_json("rows.json", envelope(ROWS))
    snapshot = offline.load([rows], [f"AKS1={write_json('k.json', KUBE_LIST)}"])
    assert [o["kind"] for o in snapshot.kube[ROWS[0]["id"].lower()]] == ["ConfigMap", "Service"]


def test_kube_input_by_arm_id_in_another_case(write_json):
    rows = write_json("rows.json", envelope(ROWS))
    snapshot = offline.load([rows], [f"{ROWS[0]['id'].upper()}={write_json('k.json', KUBE_LIST)}"])
    assert ROWS[0]["id"].lower() in snapshot.kube


def test_a_typed_list_gives_its_items_their_kind(write_json):
    typed = {"apiVersion": "v1", "kind": "ConfigMapList", "items": [{"metadata": {"name": "a", "namespace": "x"}}]}
    rows = write_json("rows.json", envelope(ROWS))
    snapshot = offline.load([rows], [f"aks1={write_json('k.json', typed)}"])
    assert snapshot.kube[ROWS[0]["id"].lower()][0]["kind"] == "ConfigMap"


def test_a_cluster_name_matching_two_clusters_is_an_input_error(write_json):
    twins = [cluster_row("aks1", rg="rg-a"), cluster_row("aks1", rg="rg-b")]
    rows = write_json("rows.json", envelope(twins))
    with pytest.raises(InputError, match="matches 2 clusters"):
        offline.load([rows], [f"aks1={write_json('k.json', KUBE_LIST)}"])


def test_an_unknown_cluster_is_an_input_error(write_json):
    rows = write_json("rows.json", envelope(ROWS))
    with pytest.raises(InputError, match="no managed cluster with that name"):
        offline.load([rows], [f"nope={write_json('k.json', KUBE_LIST)}"])


def test_a_kube_input_without_a_file_is_an_input_error(write_json):
    with pytest.raises(InputError, match="expected CLUSTER=FILE"):
        offline.load([write_json("rows.json", ROWS)], ["aks1"])


def test_a_kube_file_that_is_not_a_list_is_an_input_error(write_json):
    rows = write_json("rows.json", envelope(ROWS))
    path = write_json("pod.json", {"kind": "Pod", "metadata": {"name": "p"}})
    with pytest.raises(InputError, match="pod.json: expected a Kubernetes List"):
        offline.load([rows], [f"aks1={path}"])


def test_network_rows_without_properties_are_accepted(write_json):
    bare = {"id": network_id("virtualNetworks", "v"), "type": "microsoft.network/virtualnetworks"}
    assert offline.load([write_json("rows.json", [bare])]).rows == [bare]
