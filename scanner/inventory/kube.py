"""The Kubernetes objects supplied for a cluster, sorted by kind for the rules that read them.

RULES.md "Kubernetes data": a kind counts as supplied when the data holds at least one object of
it, so a rule that reads Services gives `error` for a cluster whose data holds none.
"""

from __future__ import annotations

NOT_SUPPLIED = {"supplied": False, "kinds": [], "configMaps": [], "services": []}


def _brief(obj: dict) -> dict:
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    return {**obj, "name": meta.get("name"), "namespace": meta.get("namespace")}


def kube_view(objects: list[dict] | None) -> dict:
    if objects is None:
        return NOT_SUPPLIED
    return {
        "supplied": True,
        "kinds": sorted({o["kind"] for o in objects}),
        "configMaps": [_brief(o) for o in objects if o["kind"] == "ConfigMap"],
        "services": [_brief(o) for o in objects if o["kind"] == "Service"],
    }
