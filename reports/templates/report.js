// Findings browser of the aks-netaudit report. The data is the JSON block #data (built by html_report.py);
// everything in it is untrusted: the DOM is built with createElement/textContent only (never innerHTML),
// and links are made only for https:// references and for our own #fragment views.
(function () {
  "use strict";
  var app = document.getElementById("app");
  var dataNode = document.getElementById("data");
  if (!app || !dataNode) { return; }
  var D = JSON.parse(dataNode.textContent);
  var F = D.findings, N = F.length, S = D.strings, SEV = D.severities, ST = D.statuses;
  var RULES = D.rules, CLUSTERS = D.clusters, SUBS = D.subscriptions, CATS = D.categories;
  var C = {};
  D.columns.forEach(function (name, i) { C[name] = i; });
  var PAGE = 100, MAX_TREE_ITEMS = 200;

  // --- indexes ---------------------------------------------------------------------------------------------
  var ruleA = new Int32Array(N), clA = new Int32Array(N), sevA = new Int32Array(N), stA = new Int32Array(N);
  var catA = new Int32Array(N), subA = new Int32Array(N), newA = new Uint8Array(N);
  var newIndex = S.indexOf("new");
  for (var i = 0; i < N; i++) {
    var f = F[i];
    ruleA[i] = f[C.rule]; clA[i] = f[C.cluster]; sevA[i] = f[C.severity]; stA[i] = f[C.status];
    catA[i] = f[C.category]; subA[i] = CLUSTERS[f[C.cluster]][1];
    newA[i] = newIndex >= 0 && f[C.baseline] === newIndex ? 1 : 0;
  }
  // A cluster's key in the URL: its name when unique, else its resource id (lower-cased).
  var nameCount = new Map();
  CLUSTERS.forEach(function (c) { nameCount.set(c[0], (nameCount.get(c[0]) || 0) + 1); });
  var clusterKeys = CLUSTERS.map(function (c) { return nameCount.get(c[0]) === 1 ? c[0] : c[2].toLowerCase(); });
  function mapOf(keys) {
    var map = new Map();
    keys.forEach(function (key, index) { map.set(key, index); });
    return map;
  }
  var clusterByKey = mapOf(clusterKeys), ruleById = mapOf(RULES.map(function (r) { return r.id; }));
  var catByName = mapOf(CATS), subById = mapOf(SUBS);

  // --- small DOM helpers (text only) -----------------------------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function add(parent) {
    for (var k = 1; k < arguments.length; k++) {
      var child = arguments[k];
      if (child === null || child === undefined) { continue; }
      parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return parent;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function label(value) { return String(value).replace(/_/g, " "); }
  function enc(value) { return encodeURIComponent(value).replace(/%3A/gi, ":").replace(/%2C/gi, ","); }
  function viewLink(view, text, className) {
    var a = el("a", className, text);
    a.href = "#view=" + enc(view);
    return a;
  }
  function isHttps(ref) {
    if (typeof ref !== "string" || ref.slice(0, 8) !== "https://") { return false; }
    try { return new URL(ref).protocol === "https:"; } catch (e) { return false; }
  }
  function referenceList(refs) {
    var ul = el("ul", "references");
    (refs || []).forEach(function (ref) {
      var li = el("li");
      if (isHttps(ref)) {
        var a = el("a", null, ref);
        a.href = ref;
        a.rel = "noopener noreferrer";
        add(li, a);
      } else {
        add(li, el("span", "mono", ref), " ", el("span", "muted", "(not a https link)"));
      }
      add(ul, li);
    });
    return ul;
  }
  function badge(status) { return el("span", "badge " + status, label(status)); }
  function sevTag(severity) { return el("span", "sev " + severity, severity); }

  // Evidence as a readable key/value tree: text nodes only.
  function tree(value, depth) {
    if (value === null || value === undefined) { return el("span", "v null", "null"); }
    if (typeof value !== "object") { return el("span", "v " + typeof value, value); }
    var keys = Array.isArray(value) ? null : Object.keys(value);
    var size = keys ? keys.length : value.length;
    if (size === 0) { return el("span", "v empty", keys ? "{}" : "[]"); }
    if (depth > 12) { return el("span", "v", JSON.stringify(value)); }
    var ul = el("ul", "tree");
    var shown = Math.min(size, MAX_TREE_ITEMS);
    for (var k = 0; k < shown; k++) {
      var li = el("li");
      if (keys) {
        add(li, el("span", "k", keys[k]), ": ", tree(value[keys[k]], depth + 1));
      } else {
        add(li, tree(value[k], depth + 1));
      }
      add(ul, li);
    }
    if (size > shown) { add(ul, el("li", "muted", "… " + (size - shown) + " more")); }
    return ul;
  }

  function azCommands(text) {
    var out = [], lines = text.split("\n"), inside = false;
    lines.forEach(function (line) {
      var trimmed = line.trim();
      if (!inside && /^az\s/.test(trimmed)) { inside = true; out.push(trimmed); } else if (inside) { out.push("  " + trimmed); }
      if (inside && !/\\$/.test(trimmed)) { inside = false; }
    });
    return out.join("\n");
  }
  function copyText(text, button) {
    function done(ok) {
      var before = button.dataset.label || button.textContent;
      button.dataset.label = before;
      button.textContent = ok ? "Copied" : "Copy failed: select the text";
      setTimeout(function () { button.textContent = before; }, 1500);
    }
    function fallback() {
      var area = el("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      done(ok);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  }
  function copyButton(text, caption) {
    var button = el("button", "copy", caption);
    button.type = "button";
    button.addEventListener("click", function (event) { event.stopPropagation(); copyText(text, button); });
    return button;
  }

  // --- search: lower-cased text per interned value, built on the first search -------------------------------
  var lowStrings = null, lowEvidence = null, lowClusters = null, lowRules = null;
  function lower(cache, index, make) {
    var value = cache[index];
    if (value === undefined) { value = cache[index] = make(index).toLowerCase(); }
    return value;
  }
  function stringOf(index) { return index < 0 ? "" : S[index]; }
  function evidenceOf(index) { return JSON.stringify(D.evidence[index]); }
  function clusterText(index) {
    var c = CLUSTERS[index];
    return c[0] + " " + c[2] + " " + (c[1] >= 0 ? SUBS[c[1]] : "");
  }
  function ruleText(index) { return RULES[index].id + " " + RULES[index].title; }
  function hit(i, term) {
    var f = F[i];
    return lower(lowRules, f[C.rule], ruleText).indexOf(term) >= 0 ||
      lower(lowClusters, f[C.cluster], clusterText).indexOf(term) >= 0 ||
      lower(lowStrings, f[C.message], stringOf).indexOf(term) >= 0 ||
      lower(lowStrings, f[C.title], stringOf).indexOf(term) >= 0 ||
      lower(lowStrings, f[C.resource_name], stringOf).indexOf(term) >= 0 ||
      (f[C.resource_id] >= 0 && lower(lowStrings, f[C.resource_id], stringOf).indexOf(term) >= 0) ||
      CATS[f[C.category]].toLowerCase().indexOf(term) >= 0 ||
      f[C.fingerprint].indexOf(term) === 0 ||
      lower(lowEvidence, f[C.evidence], evidenceOf).indexOf(term) >= 0 ||
      lower(lowStrings, f[C.remediation], stringOf).indexOf(term) >= 0;
  }

  // --- orders: computed once per sort, filters walk them ----------------------------------------------------
  function rank(values) {
    var order = values.map(function (v, k) { return k; });
    order.sort(function (a, b) { return values[a] < values[b] ? -1 : values[a] > values[b] ? 1 : a - b; });
    var ranks = new Int32Array(values.length);
    order.forEach(function (k, r) { ranks[k] = r; });
    return ranks;
  }
  var orders = {};
  function orderFor(sort) {
    if (orders[sort]) { return orders[sort]; }
    var order = new Int32Array(N), k, n = 0;
    if (sort === "severity") {  // the report's own order: severity, status, rule, resource
      for (k = 0; k < N; k++) { order[k] = k; }
    } else if (sort === "") {  // failures and errors first, each part in the report's order
      for (k = 0; k < N; k++) { if (stA[k] <= 1) { order[n++] = k; } }
      for (k = 0; k < N; k++) { if (stA[k] > 1) { order[n++] = k; } }
    } else {
      var key;
      if (sort === "status") { key = stA; }
      if (sort === "rule") { var rr = rank(RULES.map(function (r) { return r.id; })); key = ruleA.map(function (r) { return rr[r]; }); }
      if (sort === "cluster") { var cr = rank(CLUSTERS.map(function (c) { return c[0].toLowerCase() + "\u0000" + c[2]; })); key = clA.map(function (c) { return cr[c]; }); }
      if (sort === "subscription") { var sr = rank(SUBS); key = subA.map(function (s) { return s < 0 ? SUBS.length : sr[s]; }); }
      var list = Array.from({ length: N }, function (_, j) { return j; });
      list.sort(function (a, b) { return key[a] - key[b] || a - b; });
      order.set(list);
    }
    orders[sort] = order;
    return order;
  }

  // --- state <-> URL fragment --------------------------------------------------------------------------------
  var LISTS = { status: ST, severity: SEV };
  var SORTS = ["", "severity", "status", "rule", "cluster", "subscription"];
  function defaults() {
    return { view: "findings", status: ST.slice(), severity: SEV.slice(), category: "", sub: "", cluster: "",
      rule: "", q: "", sort: "", page: 1, "new": false };
  }
  function parseHash(hash) {
    var state = defaults();
    hash.replace(/^#/, "").split("&").forEach(function (part) {
      if (!part) { return; }
      var eq = part.indexOf("="), key = eq < 0 ? part : part.slice(0, eq), value = eq < 0 ? "" : part.slice(eq + 1);
      try { value = decodeURIComponent(value); } catch (e) { return; }
      if (LISTS[key]) {
        state[key] = value.split(",").filter(function (v) { return LISTS[key].indexOf(v) >= 0; });
      } else if (key === "page") {
        state.page = Math.max(1, parseInt(value, 10) || 1);
      } else if (key === "new") {
        state["new"] = value === "1" || value === "true";
      } else if (key === "sort") {
        state.sort = SORTS.indexOf(value) >= 0 ? value : "";
      } else if (key === "view" || key === "category" || key === "sub" || key === "cluster" || key === "rule" ||
                 key === "q") {
        state[key] = value;
      }
    });
    if (state.view === "") { state.view = "findings"; }
    if (state.view.indexOf("cluster:") === 0) { state.cluster = state.view.slice(8); }
    if (state.view.indexOf("rule:") === 0) { state.rule = state.view.slice(5); }
    return state;
  }
  function hashOf(state) {
    var parts = [];
    function put(key, value) { parts.push(key + "=" + enc(value)); }
    if (state.view !== "findings") { put("view", state.view); }
    ["status", "severity"].forEach(function (key) {
      if (state[key].length !== LISTS[key].length) { put(key, state[key].join(",")); }
    });
    if (state.category) { put("category", state.category); }
    if (state.sub) { put("sub", state.sub); }
    if (state.cluster && state.view.indexOf("cluster:") !== 0) { put("cluster", state.cluster); }
    if (state.rule && state.view.indexOf("rule:") !== 0) { put("rule", state.rule); }
    if (state["new"]) { put("new", "1"); }
    if (state.q) { put("q", state.q); }
    if (state.sort) { put("sort", state.sort); }
    if (state.page > 1) { put("page", state.page); }
    return parts.join("&");
  }

  // --- the form ------------------------------------------------------------------------------------------------
  var form = document.getElementById("filters");
  function fillSelect(name, entries) {
    var select = form.elements[name];
    entries.forEach(function (entry) {
      var option = el("option", null, entry[1]);
      option.value = entry[0];
      select.appendChild(option);
    });
  }
  function byText(a, b) { return a[1].toLowerCase() < b[1].toLowerCase() ? -1 : a[1].toLowerCase() > b[1].toLowerCase() ? 1 : 0; }
  fillSelect("category", CATS.map(function (c) { return [c, c]; }).sort(byText));
  fillSelect("sub", SUBS.map(function (s) { return [s, s]; }).sort(byText));
  fillSelect("cluster", CLUSTERS.map(function (c, k) {
    return [clusterKeys[k], nameCount.get(c[0]) === 1 ? c[0] : c[0] + " (" + c[2] + ")"];
  }).sort(byText));
  fillSelect("rule", RULES.map(function (r) { return [r.id, r.id + " " + r.title]; }));
  if (D.has_baseline) { document.getElementById("f-new").hidden = false; }

  function writeForm(state) {
    ["status", "severity"].forEach(function (key) {
      form.querySelectorAll("input[name=" + key + "]").forEach(function (box) { box.checked = state[key].indexOf(box.value) >= 0; });
    });
    ["category", "sub", "cluster", "rule", "sort"].forEach(function (key) { form.elements[key].value = state[key]; });
    form.elements["new"].checked = state["new"];
    if (form.elements.q.value !== state.q) { form.elements.q.value = state.q; }
  }
  function readForm(previous) {
    var state = defaults();
    ["status", "severity"].forEach(function (key) {
      state[key] = [];
      form.querySelectorAll("input[name=" + key + "]").forEach(function (box) { if (box.checked) { state[key].push(box.value); } });
    });
    ["category", "sub", "cluster", "rule", "sort"].forEach(function (key) { state[key] = form.elements[key].value; });
    state["new"] = form.elements["new"].checked;
    state.q = form.elements.q.value.trim();
    state.view = previous.view;
    // Changing the cluster (rule) of a cluster (rule) view moves to that cluster's (rule's) view.
    if (state.view.indexOf("cluster:") === 0) { state.view = state.cluster ? "cluster:" + state.cluster : "findings"; }
    if (state.view.indexOf("rule:") === 0) { state.view = state.rule ? "rule:" + state.rule : "findings"; }
    return state;
  }

  // --- filtering -------------------------------------------------------------------------------------------------
  function lookup(map, value) { return value === "" ? -1 : map.has(value) ? map.get(value) : -2; }
  function filter(state) {
    var stOn = ST.map(function (s) { return state.status.indexOf(s) >= 0; });
    var sevOn = SEV.map(function (s) { return state.severity.indexOf(s) >= 0; });
    var cat = lookup(catByName, state.category), sub = lookup(subById, state.sub);
    var cl = lookup(clusterByKey, state.cluster), rule = lookup(ruleById, state.rule), onlyNew = state["new"];
    var terms = state.q.toLowerCase().split(/\s+/).filter(Boolean);
    if (terms.length && lowStrings === null) { lowStrings = []; lowEvidence = []; lowClusters = []; lowRules = []; }
    var order = orderFor(state.sort), out = new Int32Array(N), n = 0;
    if (cat === -2 || sub === -2 || cl === -2 || rule === -2) { return out.subarray(0, 0); }
    for (var k = 0; k < N; k++) {
      var j = order[k];
      if (!stOn[stA[j]] || !sevOn[sevA[j]]) { continue; }
      if ((cat >= 0 && catA[j] !== cat) || (sub >= 0 && subA[j] !== sub) || (cl >= 0 && clA[j] !== cl) ||
          (rule >= 0 && ruleA[j] !== rule) || (onlyNew && !newA[j])) { continue; }
      var ok = true;
      for (var t = 0; t < terms.length && ok; t++) { ok = hit(j, terms[t]); }
      if (ok) { out[n++] = j; }
    }
    return out.subarray(0, n);
  }

  // --- rendering ---------------------------------------------------------------------------------------------------
  var list = document.getElementById("list"), viewHead = document.getElementById("view-head");
  var matchCount = document.getElementById("match-count"), pageInfo = document.getElementById("page-info");
  var pageLabel = document.getElementById("page-label"), prev = document.getElementById("prev");
  var next = document.getElementById("next"), permalink = document.getElementById("permalink");
  var expanded = new Set(), current = defaults(), pages = 1;

  function detail(i) {
    var f = F[i], box = el("div", "detail");
    var rule = RULES[f[C.rule]], cluster = CLUSTERS[f[C.cluster]];
    add(box, el("div", "message", S[f[C.message]]));
    var meta = el("dl", "kv");
    function row(term, value) { if (value !== null && value !== undefined && value !== "") { add(meta, el("dt", null, term), add(el("dd"), value)); } }
    row("Resource", el("span", "mono break", f[C.resource_id] >= 0 ? S[f[C.resource_id]] : cluster[2]));
    row("Subscription", cluster[1] >= 0 ? el("span", "mono", SUBS[cluster[1]]) : null);
    row("Category", CATS[f[C.category]] + " · profile " + S[f[C.profile]]);
    if (f[C.baseline] >= 0) { row("Baseline", label(S[f[C.baseline]])); }
    if (f[C.suppression] >= 0) {
      var sup = D.suppressions[f[C.suppression]];
      row("Suppressed", [sup.reason, sup.owner ? "owner " + sup.owner : "", sup.expires ? "expires " + sup.expires : "",
        sup.status ? "would be " + sup.status : ""].filter(Boolean).join(" · "));
    }
    row("Fingerprint", el("span", "mono small", f[C.fingerprint]));
    add(box, meta);
    add(box, el("h4", null, "Evidence"), add(el("div", "evidence"), tree(D.evidence[f[C.evidence]], 0)));
    var remediation = S[f[C.remediation]];
    if (remediation) {
      var tools = el("div", "tools");
      var commands = azCommands(remediation);
      if (commands) { add(tools, copyButton(commands, "Copy az commands")); }
      add(tools, copyButton(remediation, "Copy all"));
      add(box, add(el("h4", null, "Remediation "), tools), el("pre", "remediation", remediation));
    }
    var refs = D.references[f[C.references]];
    if (refs && refs.length) { add(box, el("h4", null, "References"), referenceList(refs)); }
    add(box, add(el("p", "small"), "Rule: ", viewLink("rule:" + rule.id, rule.id + " " + rule.title)));
    return box;
  }

  function findingRow(i, body) {
    var f = F[i], cluster = CLUSTERS[f[C.cluster]], rule = RULES[f[C.rule]], status = ST[f[C.status]];
    var tr = el("tr", "finding");
    tr.dataset.index = i;
    tr.dataset.status = status;
    tr.dataset.severity = SEV[f[C.severity]];
    tr.dataset.fp = f[C.fingerprint];
    var open = expanded.has(i), toggle = el("button", "toggle", open ? "−" : "+");
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.setAttribute("aria-label", "details");
    var statusCell = add(el("td", "c-status"), badge(status));
    if (f[C.baseline] >= 0 && S[f[C.baseline]] === "new") { add(statusCell, " ", el("span", "badge new", "new")); }
    var message = S[f[C.message]];
    add(tr,
      add(el("td", "c-toggle"), toggle),
      add(el("td", "c-sev"), sevTag(SEV[f[C.severity]])),
      statusCell,
      add(el("td", "c-rule"), viewLink("rule:" + rule.id, rule.id, "rule-id"), el("div", "small", S[f[C.title]])),
      add(el("td", "c-cluster break"), viewLink("cluster:" + clusterKeys[f[C.cluster]], cluster[0])),
      el("td", "c-sub mono small", cluster[1] >= 0 ? SUBS[cluster[1]] : ""),
      el("td", "c-msg break", message.length > 240 ? message.slice(0, 240) + "…" : message));
    add(body, tr);
    if (open) { add(body, add(el("tr", "detail-row"), add(el("td"), detail(i)))).lastChild.firstChild.colSpan = 7; }
    toggle.addEventListener("click", function () {
      if (expanded.has(i)) { expanded.delete(i); } else { expanded.add(i); }
      var nextRow = tr.nextSibling;
      if (nextRow && nextRow.classList && nextRow.classList.contains("detail-row")) {
        body.removeChild(nextRow);
        toggle.textContent = "+";
        toggle.setAttribute("aria-expanded", "false");
      } else {
        var td = el("td");
        td.colSpan = 7;
        body.insertBefore(add(el("tr", "detail-row"), add(td, detail(i))), nextRow);
        toggle.textContent = "−";
        toggle.setAttribute("aria-expanded", "true");
      }
    });
  }

  function table(headers) {
    var t = el("table", "findings"), head = el("tr");
    headers.forEach(function (h) { add(head, el("th", h[1] || null, h[0])); });
    add(t, add(el("thead"), head));
    var body = el("tbody");
    add(t, body);
    return { table: t, body: body };
  }

  function statusCounts(test) {
    var counts = ST.map(function () { return 0; });
    for (var k = 0; k < N; k++) { if (test(k)) { counts[stA[k]]++; } }
    return counts;
  }
  function countsLine(counts) {
    var p = el("p", "counts");
    ST.forEach(function (s, k) { add(p, badge(s), " " + counts[k] + "  "); });
    return p;
  }

  function renderHead(state) {
    clear(viewHead);
    if (state.view.indexOf("cluster:") === 0) {
      var c = clusterByKey.get(state.cluster);
      if (c === undefined) { add(viewHead, el("p", "banner warn", "No cluster " + state.cluster + " in this report.")); return; }
      var cluster = CLUSTERS[c], box = el("div", "view cluster-view");
      box.dataset.cluster = cluster[0];
      add(box, add(el("h3"), "Cluster ", el("span", "name", cluster[0])));
      add(box, el("div", "mono small break", cluster[2]));
      if (cluster[1] >= 0) { add(box, el("div", "small", "Subscription " + SUBS[cluster[1]])); }
      add(box, countsLine(statusCounts(function (k) { return clA[k] === c; })));
      add(box, add(el("p", "small"), viewLink("clusters", "all clusters")));
      add(viewHead, box);
    } else if (state.view.indexOf("rule:") === 0) {
      var r = ruleById.get(state.rule);
      if (r === undefined) { add(viewHead, el("p", "banner warn", "No rule " + state.rule + " in this report.")); return; }
      var rule = RULES[r], rbox = el("div", "view rule-view");
      rbox.dataset.rule = rule.id;
      add(rbox, add(el("h3"), el("span", "rule-id", rule.id), " ", el("span", "title", rule.title)));
      add(rbox, add(el("p", "small"), sevTag(rule.severity), " · " + rule.category + " · profile " + rule.profile +
        (rule.built_in === false ? " · custom rule" : "")));
      if (rule.description) { add(rbox, el("p", "description", rule.description)); }
      if (rule.fix) { add(rbox, el("h4", null, "Fix"), el("pre", "fix", rule.fix)); }
      if (rule.references && rule.references.length) { add(rbox, el("h4", null, "References"), referenceList(rule.references)); }
      if (rule.source) { add(rbox, el("p", "small muted", "Source: " + rule.source)); }
      add(rbox, countsLine(statusCounts(function (k) { return ruleA[k] === r; })));
      add(rbox, add(el("p", "small"), viewLink("rules", "all rules")));
      add(viewHead, rbox);
    }
  }

  function pager(total, state) {
    pages = Math.max(1, Math.ceil(total / PAGE));
    if (state.page > pages) { state.page = pages; }
    var start = (state.page - 1) * PAGE;
    pageInfo.textContent = total ? "showing " + (start + 1) + "–" + Math.min(total, start + PAGE) : "";
    pageLabel.textContent = "page " + state.page + " of " + pages;
    prev.disabled = state.page <= 1;
    next.disabled = state.page >= pages;
    return start;
  }

  var clusterCounts = null, ruleCounts = null;
  function countBy(column, size) {
    var counts = new Int32Array(size * ST.length);
    for (var k = 0; k < N; k++) { counts[column[k] * ST.length + stA[k]]++; }
    return counts;
  }
  function renderIndex(state) {
    var isClusters = state.view === "clusters";
    var size = isClusters ? CLUSTERS.length : RULES.length;
    var counts = isClusters ? (clusterCounts = clusterCounts || countBy(clA, size)) : (ruleCounts = ruleCounts || countBy(ruleA, size));
    var q = state.q.toLowerCase(), items = [];
    for (var k = 0; k < size; k++) {
      var text = isClusters ? clusterText(k) : ruleText(k);
      if (!q || text.toLowerCase().indexOf(q) >= 0) { items.push(k); }
    }
    items.sort(function (a, b) {
      return counts[b * ST.length] - counts[a * ST.length] || counts[b * ST.length + 1] - counts[a * ST.length + 1] || a - b;
    });
    matchCount.textContent = items.length + (isClusters ? " cluster(s)" : " rule(s)");
    matchCount.dataset.count = items.length;
    var start = pager(items.length, state);
    var heads = isClusters ? [["Cluster"], ["Subscription"]] : [["Rule"], ["Title"]];
    var t = table(heads.concat(ST.map(function (s) { return [label(s), "num"]; })));
    items.slice(start, start + PAGE).forEach(function (k) {
      var tr = el("tr", isClusters ? "cluster" : "rule");
      if (isClusters) {
        add(tr, add(el("td", "break"), viewLink("cluster:" + clusterKeys[k], CLUSTERS[k][0])),
          el("td", "mono small", CLUSTERS[k][1] >= 0 ? SUBS[CLUSTERS[k][1]] : ""));
      } else {
        add(tr, add(el("td"), viewLink("rule:" + RULES[k].id, RULES[k].id, "rule-id")), el("td", null, RULES[k].title));
      }
      ST.forEach(function (s, m) { add(tr, el("td", "num", counts[k * ST.length + m])); });
      add(t.body, tr);
    });
    add(list, t.table);
  }

  function render(state) {
    var started = performance.now();
    current = state;
    writeForm(state);
    var isIndex = state.view === "clusters" || state.view === "rules", tab = isIndex ? state.view : "findings";
    document.querySelectorAll("#tabs a").forEach(function (a) { a.classList.toggle("active", a.dataset.view === tab); });
    form.classList.toggle("index", isIndex);
    clear(list);
    renderHead(state);
    if (isIndex) {
      renderIndex(state);
    } else {
      var rows = filter(state);
      matchCount.textContent = rows.length + " of " + N + " findings match";
      matchCount.dataset.count = rows.length;
      var start = pager(rows.length, state);
      var t = table([["", "c-toggle"], ["Severity"], ["Status"], ["Rule"], ["Cluster"], ["Subscription"], ["Message"]]);
      var end = Math.min(rows.length, start + PAGE);
      for (var k = start; k < end; k++) { findingRow(rows[k], t.body); }
      if (!rows.length) { add(t.body, add(el("tr"), el("td", "muted", "No finding matches these filters."))).lastChild.firstChild.colSpan = 7; }
      add(list, t.table);
    }
    permalink.href = "#" + hashOf(state);
    app.dataset.renderMs = String(Math.round(performance.now() - started));
    if (!app.dataset.ready) { app.dataset.readyAt = String(Math.round(performance.now())); }  // ms since navigation
    app.dataset.ready = "1";
  }

  function go(state) {
    var hash = hashOf(state);
    history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
    render(state);
  }

  var timer = null;
  form.addEventListener("input", function (event) {
    if (event.target.name === "q") {
      clearTimeout(timer);
      timer = setTimeout(function () { var s = readForm(current); s.page = 1; go(s); }, 150);
      return;
    }
    var s = readForm(current);
    s.page = 1;
    go(s);
  });
  form.addEventListener("change", function (event) {
    if (event.target.name !== "q") { return; }
    clearTimeout(timer);
    var s = readForm(current);
    if (s.q === current.q) { return; }
    s.page = 1;
    go(s);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  document.getElementById("reset").addEventListener("click", function () { expanded.clear(); go(defaults()); });
  prev.addEventListener("click", function () { if (current.page > 1) { current.page -= 1; go(current); list.scrollIntoView(); } });
  next.addEventListener("click", function () { if (current.page < pages) { current.page += 1; go(current); list.scrollIntoView(); } });
  window.addEventListener("hashchange", function () { render(parseHash(location.hash)); });

  app.hidden = false;
  render(parseHash(location.hash));

  // Printed reports must show evidence: open every closed <details> for printing, then restore.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
}());
