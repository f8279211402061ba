"""Evaluating rules against subject views: applicability, then data, then verdict (RULES.md).

The order is the contract: a rule that does not apply is `not_applicable` whatever data is
missing; data it needs and lacks is `error` with the reason; only then does `check` decide, and a
check that cannot tell (null) is `error`, never `pass`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from jmespath.exceptions import JMESPathError

from scanner import armid
from scanner.engine.functions import DECISIONS, OPTIONS
from scanner.engine.loader import Rule

MISSING_DATA_REMEDIATION = (
    "Supply what the message names: add the missing resources' Resource Graph rows to --input (or the "
    "cluster's kubectl output with --kube-input), then scan again."
)


def fingerprint(rule_id: str, resource_id: str) -> str:
    """Identity of a finding across runs: evidence is left out on purpose (DESIGN.md)."""
    return hashlib.sha256(f"{rule_id}|{resource_id.lower()}".encode()).hexdigest()


@dataclass
class Finding:
    rule: Rule
    status: str
    resource_id: str
    resource_name: str
    message: str
    evidence: dict = field(default_factory=dict)
    remediation: str = ""

    def to_dict(self) -> dict:
        return {
            "rule_id": self.rule.id,
            "title": self.rule.title,
            "severity": self.rule.severity,
            "category": self.rule.category,
            "profile": self.rule.profile,
            "status": self.status,
            "resource_id": self.resource_id,
            "resource_name": self.resource_name,
            "subscription_id": armid.subscription_of(self.resource_id),
            "cluster": self.resource_name,
            "subject": self.rule.subject,
            "message": self.message,
            "evidence": self.evidence,
            "remediation": self.remediation,
            "references": list(self.rule.references),
            "fingerprint": fingerprint(self.rule.id, self.resource_id),
        }


def _truthy(value: object) -> bool:
    """JMESPath's notion of truth: null, false, and empty strings, lists and objects are false."""
    return value not in (None, False, "", [], {})


def _reasons(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def evaluate_rule(rule: Rule, view: dict, params: dict | None = None) -> Finding:
    """One finding for one (rule, subject); `params` are the rule's parameters in force."""
    context = dict(view)
    context["params"] = rule.defaults() if params is None else params
    name = view.get("name") or view["id"]

    def finding(status: str, message: str, evidence: dict, remediation: str = "") -> Finding:
        return Finding(rule, status, view["id"], name, message, evidence, remediation)

    for expression, reason in rule.when:
        if not _truthy(expression.search(context, options=OPTIONS)):
            if view.get("unreadable"):
                unreadable = ", ".join(view["unreadable"])
                return finding("error", f"Cannot tell whether the rule applies: {unreadable} cannot be read.",
                               {"missing": f"{unreadable} (wrong type)"}, MISSING_DATA_REMEDIATION)
            return finding("not_applicable", f"Not applicable: {reason}.", {"reason": reason})
    for expression, missing in rule.requires:
        if not _truthy(expression.search(context, options=OPTIONS)):
            return finding("error", f"Cannot be decided: {missing}.", {"missing": missing}, MISSING_DATA_REMEDIATION)

    facts: dict = {}
    context["facts"] = facts
    for fact, expression in rule.facts:
        facts[fact] = expression.search(context, options=OPTIONS)
    verdict = rule.check.search(context, options=OPTIONS)
    evidence = {key: expression.search(context, options=OPTIONS) for key, expression in rule.evidence}
    context["evidence"] = evidence

    info_false = verdict is False and "fail" not in rule.message
    if info_false:
        verdict = None
    if verdict is True or verdict is False:
        status = "pass" if verdict else "fail"
        message = rule.message[status].render(context)
    else:
        status = "error"
        reasons = _reasons(rule.undecided.search(context, options=OPTIONS)) if rule.undecided else []
        if info_false:
            reasons.append("the check of an info rule returned false (info rules never fail)")
        elif verdict is not None:
            reasons.append(f"the rule's check returned {type(verdict).__name__}, not true, false or null")
        evidence["undecided"] = reasons
        context["undecided"] = reasons
        if "error" in rule.message:
            message = rule.message["error"].render(context)
        else:
            message = "Cannot be decided: " + ("; ".join(reasons) or "data the rule needs is missing") + "."
    remediation = ""
    if status == "fail":
        remediation = rule.remediation.render(context)
    elif status == "error":
        remediation = MISSING_DATA_REMEDIATION
    return finding(status, message, evidence, remediation)


def _guarded(rule: Rule, view: dict, params: dict) -> Finding:
    """A row shape no rule author foresaw (JMESPath's type errors) is that finding's `error`, not a crash."""
    try:
        return evaluate_rule(rule, view, params)
    except JMESPathError as exc:
        reason = f"the rule could not be evaluated on this resource's data ({exc})"
        return Finding(rule, "error", view["id"], view.get("name") or view["id"], f"Cannot be decided: {reason}.",
                       {"undecided": [reason]}, MISSING_DATA_REMEDIATION)


def evaluate(
    rules: list[Rule], views_by_subject: dict[str, list[dict]], rule_params: dict[str, dict] | None = None
) -> list[Finding]:
    """Every selected rule against every view of its subject: linear in rules × subjects.

    `rule_params` maps a rule id to the parameters the config sets for it (over its defaults).
    """
    DECISIONS.clear()
    try:
        findings = []
        for rule in rules:
            params = {**rule.defaults(), **(rule_params or {}).get(rule.id, {})}
            findings += [_guarded(rule, view, params) for view in views_by_subject.get(rule.subject, [])]
        return findings
    finally:
        DECISIONS.clear()
