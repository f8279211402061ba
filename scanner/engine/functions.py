"""The JMESPath functions rules may call: networking math, the NSG evaluator, three-valued logic.

Rules are data (never `eval`), so everything a rule needs beyond navigation is registered here.
Functions take and return plain JSON values and answer `null` for "cannot tell", which the
engine turns into an `error` finding rather than a pass.
"""

from __future__ import annotations

from functools import lru_cache

import jmespath
import re2
import yaml
from jmespath import functions

from scanner import armid, netmath, nsg, roles, versions
from scanner.nsg_listing import single_address_rules

ANY = {"types": []}

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # RE2 would print to stderr; a bad pattern is one InputError line instead


@lru_cache(maxsize=512)
def compile_pattern(pattern: str):
    """RE2: linear time whatever the pattern, so an untrusted rule file cannot stall a scan."""
    return re2.compile(pattern, options=_RE2_OPTIONS)


class DecisionCache:
    """NSG decisions per (NSG view, VirtualNetwork tag, flow), shared by every rule of one evaluation.

    Several rules and clusters ask one NSG the same question. NSG views are shared objects of one
    inventory, so the view's identity plus the tag and the flow identify the answer; each entry
    keeps its NSG view alive, so an id is never reused while it is cached. `evaluate` clears it.
    """

    def __init__(self) -> None:
        self.entries: dict = {}

    def clear(self) -> None:
        self.entries.clear()
        nsg.clear_parsed()

    def decide(self, subnet, direction, source, destination, protocol, ports) -> dict:
        group = subnet.get("nsg") if isinstance(subnet, dict) else None
        if not isinstance(group, dict) or subnet.get("inScope") is False:
            return nsg.decide(subnet, direction, source, destination, protocol, ports)
        tag = subnet.get("virtualNetwork") or {}
        key = (id(group), repr(tag.get("prefixes")), tag.get("publicUnknown"), direction, repr(source),
               repr(destination), protocol, repr(ports))
        entry = self.entries.get(key)
        if entry is None or entry[0] is not group:
            entry = self.entries[key] = (group, nsg.decide(subnet, direction, source, destination, protocol, ports))
        found = entry[1]
        return found if found.get("subnet") == subnet.get("name") else {**found, "subnet": subnet.get("name")}


DECISIONS = DecisionCache()


def describe(decision: dict) -> str:
    """One line a human can check in the portal: which NSG and rule decided, or why nobody could."""
    if decision["verdict"] == "unknown":
        return f"undecided: {decision.get('reason') or 'a rule could not be read'}"
    verb = "denied" if decision["verdict"] == "deny" else "allowed"
    if decision.get("rule") is None:
        return f"{verb}: {decision.get('reason') or 'no NSG on the subnet'}"
    partly = " (part of the flow)" if decision.get("partial") else ""
    rule = f"rule {decision['rule']} (priority {decision.get('priority')})"
    return f"{verb}{partly} by {rule} of NSG {decision.get('nsg')}"


def _with_summary(decision: dict) -> dict:
    return {**decision, "summary": describe(decision)}


def _path_with_summary(path: dict) -> dict:
    outbound, inbound = _with_summary(path["outbound"]), _with_summary(path["inbound"])
    legs = f"outbound {outbound['summary']}; inbound {inbound['summary']}"
    return {**path, "outbound": outbound, "inbound": inbound, "summary": f"{path['from']}: {legs}"}


def _allowed(verdict: str) -> bool | None:
    """An NSG verdict as a truth value: `unknown` (or anything else) is null, never a pass."""
    return {"allow": True, "deny": False}.get(verdict)


def _kleene_and(values: list) -> bool | None:
    """False if any value is false (a definite failure wins), else null if any is unknown."""
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


class RuleFunctions(functions.Functions):
    """Registered as `custom_functions`; JMESPath names are the method names without `_func_`."""

    @functions.signature(ANY, ANY)
    def _func_cidr_overlaps(self, a, b):
        return netmath.cidr_overlaps(a, b)

    @functions.signature(ANY, ANY)
    def _func_cidr_contains(self, outer, inner):
        return netmath.cidr_contains(outer, inner)

    @functions.signature(ANY)
    def _func_prefix_len(self, cidr):
        return netmath.prefix_len(cidr)

    @functions.signature(ANY)
    def _func_cidr_size(self, cidr):
        return netmath.cidr_size(cidr)

    @functions.signature(ANY)
    def _func_usable_addresses(self, cidr):
        return netmath.usable_addresses(cidr)

    @functions.signature(ANY, {"types": ["number"]})
    def _func_nth_ip(self, cidr, n):
        return netmath.nth_ip(cidr, int(n))

    @functions.signature(ANY, ANY)
    def _func_ip_in(self, ip, cidrs):
        return netmath.ip_in(ip, cidrs)

    @functions.signature(ANY, ANY)
    def _func_cidrs_outside(self, cidrs, covering):
        return netmath.cidrs_outside(cidrs or [], covering or [])

    @functions.signature(ANY, {"types": ["string"]}, ANY, ANY, {"types": ["string"]}, ANY)
    def _func_nsg_decide(self, subnet, direction, source, destination, protocol, ports):
        return _with_summary(DECISIONS.decide(subnet, direction, source, destination, protocol, ports))

    @functions.signature(ANY, {"types": ["string"]}, ANY, ANY, {"types": ["string"]}, ANY)
    def _func_nsg_allows(self, subnet, direction, source, destination, protocol, ports):
        verdict = DECISIONS.decide(subnet, direction, source, destination, protocol, ports)["verdict"]
        return _allowed(verdict)

    @functions.signature(ANY, ANY, {"types": ["string"]}, ANY)
    def _func_nsg_path(self, from_subnets, to_subnet, protocol, ports):
        paths = nsg.path_decide(from_subnets or [], to_subnet, protocol, ports, DECISIONS.decide)
        return [_path_with_summary(p) for p in paths]

    @functions.signature(ANY)
    def _func_nsg_has_custom_deny(self, subnet):
        return nsg.has_custom_deny(subnet)

    @functions.signature(ANY, {"types": ["string"]}, ANY, ANY, {"types": ["string"]}, ANY)
    def _func_nsg_decide_each(self, subnets, direction, source, destination, protocol, ports):
        """`nsg_decide` for each subnet of a list (one flow, many NSGs), in the list's order."""
        subnets = subnets if isinstance(subnets, list) else []
        return [_with_summary(DECISIONS.decide(s, direction, source, destination, protocol, ports)) for s in subnets]

    @functions.signature(ANY, {"types": ["string"]}, ANY)
    def _func_attach(self, objects, name, value):
        """Each object of a list with `name: value` added, so a projection can read an outer value."""
        objects = objects if isinstance(objects, list) else []
        return [{**o, name: value} if isinstance(o, dict) else o for o in objects]

    @functions.signature(ANY, {"types": ["number"]})
    def _func_subnet_count(self, cidr, prefix):
        """How many /prefix networks fit in cidr (0 when cidr is smaller); null when unreadable."""
        return netmath.subnet_count(cidr, int(prefix))

    @functions.signature({"types": ["array"]})
    def _func_allow_all(self, verdicts):
        """Verdict strings → true (all allow), false (some deny), null (none deny, some unknown)."""
        return _kleene_and([_allowed(v) for v in verdicts])

    @functions.signature({"types": ["array"]})
    def _func_all_of(self, values):
        return _kleene_and(values)

    @functions.signature(ANY, ANY)
    def _func_judge(self, failures, unknowns):
        """A rule's verdict from what surely fails and what is undecided: a definite failure wins."""
        if failures:
            return False
        return None if unknowns else True

    @functions.signature({"types": ["array"]})
    def _func_unique(self, values):
        seen, result = set(), []
        for value in values:
            marker = repr(value)
            if marker not in seen:
                seen.add(marker)
                result.append(value)
        return result

    @functions.signature(ANY)
    def _func_lower(self, value):
        return value.lower() if isinstance(value, str) else None

    @functions.signature(ANY, ANY)
    def _func_overlap_pairs(self, a, b):
        return netmath.overlap_pairs(a or [], b or [])

    @functions.signature(ANY)
    def _func_ip_version(self, cidr):
        return netmath.ip_version(cidr)

    @functions.signature(ANY, ANY)
    def _func_version_cmp(self, a, b):
        """-1 / 0 / 1, or null when a minor-only version meets a patch that would decide."""
        return versions.compare(a, b)

    @functions.signature(ANY, ANY)
    def _func_version_at_least(self, version, minimum):
        return versions.at_least(version, minimum)

    @functions.signature(ANY)
    def _func_windows_build(self, node_image_version):
        """[build, revision] of a Windows node image version, or null when it names none."""
        return versions.windows_build(node_image_version)

    @functions.signature(ANY, ANY, {"types": ["array"]})
    def _func_role_grants(self, identity, resource_id, actions):
        """{granted: true|false|null, by, undecided}: RULES.md "Identity", over the view's assignments."""
        return roles.grants(identity, resource_id, actions)

    @functions.signature(ANY, ANY, {"types": ["array"]})
    def _func_role_grants_each(self, identity, resource_ids, actions):
        """`role_grants` for each id of a list (JMESPath cannot reach the root inside a projection)."""
        return [roles.grants(identity, r, actions) for r in resource_ids or [] if isinstance(r, str)]

    @functions.signature(ANY, ANY)
    def _func_overlapping(self, items, cidrs):
        """The objects of `items` whose `cidr` (a CIDR or a list) overlaps some of `cidrs`, each with
        `overlaps`: the entries of `cidrs` it overlaps. Unreadable entries are left out (find them
        with `ip_version(...) == null`), so a rule names what overlaps what without reaching the root."""
        targets = [cidrs] if isinstance(cidrs, str) else [c for c in cidrs or [] if isinstance(c, str)]
        targets = [t for t in targets if netmath.ip_version(t) is not None]
        out = []
        for item in items or []:
            if not isinstance(item, dict):
                continue
            own = item.get("cidr")
            own = [own] if isinstance(own, str) else [c for c in own or [] if isinstance(c, str)]
            own = [c for c in own if netmath.ip_version(c) is not None]
            hits = [t for t in targets if own and netmath.cidr_overlaps(own, t)]
            if hits:
                out.append({**item, "overlaps": hits})
        return out

    @functions.signature({"types": ["string"]}, ANY)
    def _func_matches(self, pattern, value):
        """RE2 search; null when the value is not a string (case-insensitivity: write `(?i)`).

        A literal pattern was compiled at load; one that comes from the data or a parameter and that RE2
        refuses is null too (cannot tell → error), never a crash.
        """
        if not isinstance(value, str):
            return None
        try:
            compiled = compile_pattern(pattern)
        except re2.error:
            return None
        return compiled.search(value) is not None

    @functions.signature({"types": ["array"]})
    def _func_any_of(self, values):
        """Kleene OR: true if any value is true, else null if any is null, else false."""
        if any(v is True for v in values):
            return True
        return None if any(v is None for v in values) else False

    @functions.signature(ANY)
    def _func_not3(self, value):
        """Kleene NOT: null stays null (JMESPath's `!` would turn "cannot tell" into true)."""
        return None if value is None else not value

    @functions.signature(ANY, ANY)
    def _func_ids_without(self, ids, removed):
        """The ids of `ids` not in `removed`, compared as ARM ids (case-insensitively)."""
        gone = {armid.key(r) for r in removed or [] if isinstance(r, str)}
        return [i for i in ids or [] if isinstance(i, str) and armid.key(i) not in gone]

    @functions.signature(ANY)
    def _func_arm_key(self, resource_id):
        return armid.key(resource_id) if isinstance(resource_id, str) else None

    @functions.signature(ANY, ANY)
    def _func_each_with(self, items, value):
        """`[{item, env}]` for each entry of `items`: lets a projection read a value from outside it
        (JMESPath has no root reference), e.g. `each_with(nodeSubnets, podCidrs)[].nsg_decide(item, ..., env, ...)`."""
        return [{"item": item, "env": value} for item in items] if isinstance(items, list) else []

    @functions.signature(ANY, {"types": ["number"]}, ANY, ANY)
    def _func_nsg_rules_to_single_address(self, subnets, port, within, outside):
        """Custom rules of the subnets' NSGs that allow or deny TCP `port` to one address (APIMIG-002).

        An address counts when it lies in `within` (null: anywhere) and in none of `outside`; one
        entry per (NSG, rule, address) with every subnet of the list carrying that NSG.
        """
        return single_address_rules(subnets, int(port), within, outside)

    @functions.signature(ANY)
    def _func_parse_yaml(self, text):
        """A ConfigMap's embedded YAML (ip-masq-agent config); null when it is not readable YAML."""
        if not isinstance(text, str):
            return None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError:
            return None


OPTIONS = jmespath.Options(custom_functions=RuleFunctions())


def check_literal_patterns(node: dict) -> None:
    """A `matches()` pattern written in the rule must compile under RE2 when the rule is loaded."""
    if node.get("type") == "function_expression" and node["value"] == "matches":
        first = node["children"][0] if node["children"] else {}
        if first.get("type") == "literal" and isinstance(first.get("value"), str):
            try:
                compile_pattern(first["value"])
            except re2.error as exc:
                detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
                raise ValueError(f"matches(): RE2 cannot compile {first['value']!r}: {detail}") from exc


def arity(name: str) -> tuple[int, bool] | None:
    """(number of parameters, variadic) of a function rules may call, or None if there is none.

    JMESPath only notices an unknown function when a row reaches it; the loader asks here so that a
    misspelt function fails when the rule file is loaded, naming the file and field.
    """
    entry = RuleFunctions.FUNCTION_TABLE.get(name)
    if entry is None:
        return None
    signature = entry["signature"]
    return len(signature), any(arg.get("variadic") for arg in signature)
