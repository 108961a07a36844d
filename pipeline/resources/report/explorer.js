// The explorer: views of the embedded tables (see pipeline/analysis/explorer.py), driven by the
// location hash: #body=…, #doc=…, #programme=…, #indicator=…, #year=…, #q=… (free words), with
// filters (level, jurisdiction, document, role, year, status), src=t12 / src=d3 (a fact's source) and
// today=YYYY-MM-DD (else the browser's date). Every text is escaped before it becomes markup.
(function () {
  "use strict";
  var started = performance.now();
  var D = JSON.parse(document.getElementById("explorer-data").textContent);
  var PAGE = 80;
  var FILTERS = ["level", "jurisdiction", "document", "role", "year", "status"];
  var KINDS = { body: "单位", doc: "文件", programme: "工程", indicator: "指标", year: "年份", q: "全文" };
  var LEVELS = { national: "国家级", provincial: "省级", municipal: "市级", county: "县级" };
  var ROLES = { lead: "牵头", support: "配合", issuer: "发文" };

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function fold(text) {
    return String(text).normalize("NFKC").toLowerCase().replace(/[\s\p{P}\p{S}]/gu, "");
  }
  function byId(id) { return document.getElementById(id); }

  // ------------------------------------------------------------------ indexes
  var DOC = {}, BODY = {}, PROG = {};
  D.docs.forEach(function (d, i) { DOC[d[0]] = i; });
  D.bodies.forEach(function (b, i) { BODY[b[0]] = i; });
  D.programmes.forEach(function (p, i) { PROG[p] = i; });
  var taskTargets = D.tasks.map(function () { return []; });
  D.targets.forEach(function (t, i) { taskTargets[t[0]].push(i); });
  var taskDuties = D.tasks.map(function () { return []; });
  D.duties.forEach(function (d, i) { taskDuties[d[0]].push(i); });
  var bodyTasks = D.bodies.map(function () { return {}; });  // body -> {task: role}
  D.tasks.forEach(function (t, i) {
    t[4].forEach(function (b) { bodyTasks[b][i] = "support"; });
    t[3].forEach(function (b) { bodyTasks[b][i] = "lead"; });
    if (!t[3].length && !t[4].length && taskTargets[i].length) {  // owned by the issuer
      D.docs[t[0]][7].forEach(function (b) { bodyTasks[b][i] = bodyTasks[b][i] || "issuer"; });
    }
  });
  var programmeTasks = D.programmes.map(function () { return []; });
  D.tasks.forEach(function (t, i) { t[5].forEach(function (p) { programmeTasks[p].push(i); }); });

  // The search entries: every name a thing goes by, folded.
  var entries = [];
  D.bodies.forEach(function (b) {
    entries.push({ kind: "body", value: b[0], label: b[0], sub: b[3].slice(0, 4).join("、"),
                   keys: [b[0]].concat(b[3]).map(fold) });
  });
  D.docs.forEach(function (d) {
    entries.push({ kind: "doc", value: d[0], label: d[1], sub: [d[5], d[3], d[4]].filter(Boolean).join(" · "),
                   keys: [d[1], d[5], d[0]].filter(Boolean).map(fold) });
  });
  D.programmes.forEach(function (p) { entries.push({ kind: "programme", value: p, label: p, sub: "", keys: [fold(p)] }); });
  var indicators = {}, years = {};
  D.targets.forEach(function (t) { indicators[t[3]] = 1; if (t[5]) { years[t[5]] = 1; } });
  Object.keys(indicators).sort().forEach(function (i) {
    entries.push({ kind: "indicator", value: i, label: i, sub: "", keys: [fold(i)] });
  });
  Object.keys(years).sort().forEach(function (y) {
    entries.push({ kind: "year", value: y, label: y + " 年", sub: "", keys: [y] });
  });

  // ------------------------------------------------------------------ dates
  function todayIso(params) {
    var given = params.get("today");
    if (given && /^\d{4}-\d{2}-\d{2}$/.test(given)) { return given; }
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }
  function status(target, today) {
    var due = target[6];
    if (!due) { return target[4] === "每年" ? "annual" : ""; }
    if (due < today) { return "overdue"; }
    var soon = (parseInt(today.slice(0, 4), 10) + 1) + today.slice(4);
    return due <= soon ? "soon" : "";
  }
  var BADGES = { overdue: "已逾期", soon: "一年内到期", annual: "每年" };

  // ------------------------------------------------------------------ routing
  function params() { return new URLSearchParams(window.location.hash.slice(1)); }
  function viewOf(p) {
    for (var kind in KINDS) { if (p.has(kind)) { return { kind: kind, value: p.get(kind) }; } }
    return null;
  }
  function link(changes) {
    var p = params();
    Object.keys(changes).forEach(function (k) {
      if (changes[k] === null || changes[k] === "") { p.delete(k); } else { p.set(k, changes[k]); }
    });
    return "#" + p.toString();
  }
  function viewLink(kind, value) {
    var p = params(), keep = new URLSearchParams();
    FILTERS.concat(["today"]).forEach(function (f) { if (p.get(f)) { keep.set(f, p.get(f)); } });
    keep.set(kind, value);
    return "#" + keep.toString();
  }

  // ------------------------------------------------------------------ the view's tasks
  // Each item: {task, role (of the body viewed), targets: [target index]}.
  function items(view) {
    var out = [];
    var add = function (task, role, targets) { out.push({ task: task, role: role, targets: targets }); };
    if (view.kind === "body") {
      var b = BODY[view.value];
      if (b === undefined) { return out; }
      Object.keys(bodyTasks[b]).forEach(function (t) { add(+t, bodyTasks[b][t], taskTargets[t]); });
    } else if (view.kind === "doc") {
      var d = DOC[view.value];
      D.tasks.forEach(function (t, i) { if (t[0] === d) { add(i, null, taskTargets[i]); } });
    } else if (view.kind === "programme") {
      (programmeTasks[PROG[view.value]] || []).forEach(function (t) { add(t, null, taskTargets[t]); });
    } else if (view.kind === "indicator" || view.kind === "year" || view.kind === "q") {
      var words = fold(view.value) ? view.value.split(/\s+/).map(fold).filter(Boolean) : [];
      var grouped = {};
      D.targets.forEach(function (t, i) {
        var ok;
        if (view.kind === "indicator") { ok = fold(t[3]).indexOf(words.join("")) !== -1; }
        else if (view.kind === "year") { ok = String(t[5]) === view.value; }
        else {
          var hay = fold(t[2] + D.tasks[t[0]][2] + D.docs[t[1]][1] + sentenceOf(t[7]));
          ok = words.length > 0 && words.every(function (w) { return hay.indexOf(w) !== -1; });
        }
        if (ok) { (grouped[t[0]] = grouped[t[0]] || []).push(i); }
      });
      Object.keys(grouped).forEach(function (t) { add(+t, null, grouped[t]); });
      if (view.kind === "q") {  // tasks whose heading matches, with no target
        D.tasks.forEach(function (t, i) {
          if (grouped[i]) { return; }
          var hay = fold(t[2]);
          if (words.length && words.every(function (w) { return hay.indexOf(w) !== -1; })) { add(i, null, []); }
        });
      }
    }
    return out;
  }
  function sentenceOf(ev) { return D.paras[ev[3]].slice(ev[4], ev[5]); }

  function filtered(list, f, today) {
    return list.map(function (item) {
      var task = D.tasks[item.task], doc = D.docs[task[0]];
      if (f.level && doc[2] !== f.level) { return null; }
      if (f.jurisdiction && doc[3] !== f.jurisdiction) { return null; }
      if (f.document && doc[0] !== f.document) { return null; }
      if (f.role) {
        if (item.role !== null && item.role !== f.role) { return null; }
        if (item.role === null && !(f.role === "lead" ? task[3].length : f.role === "support" ? task[4].length
                                   : !task[3].length && !task[4].length)) { return null; }
      }
      var targets = item.targets;
      if (f.year) { targets = targets.filter(function (t) { return String(D.targets[t][5]) === f.year; }); }
      if (f.status) { targets = targets.filter(function (t) { return status(D.targets[t], today) === f.status; }); }
      if ((f.year || f.status) && !targets.length) { return null; }
      return { task: item.task, role: item.role, targets: targets };
    }).filter(Boolean);
  }
  function dueKey(item) {
    var keys = item.targets.map(function (t) { return D.targets[t][6] || (D.targets[t][4] === "每年" ? "9998" : "9999"); });
    return keys.length ? keys.sort()[0] : "99999";
  }
  function groupLabel(item) {
    if (!item.targets.length) { return "无量化目标"; }
    var first = item.targets.slice().sort(function (a, b) {
      return (D.targets[a][6] || "9999").localeCompare(D.targets[b][6] || "9999");
    })[0];
    var label = D.targets[first][4];
    return /^\d{4}/.test(label) ? label.slice(0, 4) + " 年" : label;
  }

  // ------------------------------------------------------------------ rendering
  function bodyLinks(list) {
    return list.map(function (b) { return '<a href="' + esc(viewLink("body", D.bodies[b][0])) + '">' + esc(D.bodies[b][0]) + "</a>"; }).join("、");
  }
  function marked(ev) {
    var para = D.paras[ev[3]], s = ev[4], e = ev[5], ms = Math.max(ev[6], s), me = Math.min(ev[7], e);
    if (me <= ms) { return esc(para.slice(s, e)); }
    return esc(para.slice(s, ms)) + '<b class="mention">' + esc(para.slice(ms, me)) + "</b>" + esc(para.slice(me, e));
  }
  function sourceLink(id, ev) {
    return '<a class="src-link" href="' + esc(link({ src: id })) + '">原文 ' + esc(ev[0]) + " @ " + ev[1] + "–" + ev[2] + "</a>";
  }
  function card(item, today) {
    var task = D.tasks[item.task], doc = D.docs[task[0]];
    var html = '<article class="task-card" data-task="' + item.task + '">';
    html += '<div class="doc"><a href="' + esc(viewLink("doc", doc[0])) + '">' + esc(doc[1]) + "</a> · " +
            esc([LEVELS[doc[2]] || doc[2], doc[3]].filter(Boolean).join(" · ")) + " · " + esc(task[1]) + "</div>";
    html += '<div><span class="heading">' + esc(task[2]) + "</span>" +
            (item.role ? '<span class="role role-' + item.role + '">' + ROLES[item.role] + "</span>" : "") + "</div>";
    var owners = [];
    if (task[3].length) { owners.push("牵头：" + bodyLinks(task[3])); }
    if (task[4].length) { owners.push("配合：" + bodyLinks(task[4])); }
    if (!owners.length && doc[7].length) { owners.push("发文：" + bodyLinks(doc[7])); }
    if (task[5].length) {
      owners.push("工程：" + task[5].map(function (p) { return '<a href="' + esc(viewLink("programme", D.programmes[p])) + '">' + esc(D.programmes[p]) + "</a>"; }).join("、"));
    }
    html += '<div class="owners">' + owners.join("　") + "</div>";
    if (item.targets.length) {
      html += '<ul class="targets">';
      item.targets.forEach(function (t) {
        var target = D.targets[t], st = status(target, today);
        html += '<li class="target' + (st ? " " + st : "") + '">' + (st ? '<span class="badge ' + st + '">' + BADGES[st] + "</span>" : "") +
                '<a href="' + esc(viewLink("indicator", target[3])) + '" class="indicator">' + esc(target[2]) + "</a> " +
                sourceLink("t" + t, target[7]) + '<span class="sentence">' + marked(target[7]) + "</span></li>";
      });
      html += "</ul>";
    } else {
      var duties = taskDuties[item.task];
      if (duties.length) {
        var duty = duties[0], ev = D.duties[duty][3];
        html += '<span class="sentence">' + marked(ev) + "</span>" + sourceLink("d" + duty, ev);
      }
    }
    return html + "</article>";
  }

  var current = { list: [], shown: 0, today: "" };
  function renderMore() {
    var out = [], last = current.shown ? groupLabel(current.list[current.shown - 1]) : null;
    var end = Math.min(current.list.length, current.shown + PAGE);
    for (var i = current.shown; i < end; i += 1) {
      var label = groupLabel(current.list[i]);
      if (label !== last) {
        out.push('<div class="group-head">' + esc(label) + "</div>");
        last = label;
      }
      out.push(card(current.list[i], current.today));
    }
    current.shown = end;
    var more = byId("more");
    if (more) { more.remove(); }
    byId("results").insertAdjacentHTML("beforeend", out.join("") +
      (end < current.list.length ? '<button type="button" id="more">显示更多（还有 ' + (current.list.length - end) + " 项）</button>" : ""));
    if (byId("more")) { byId("more").addEventListener("click", renderMore); }
  }

  function renderHead(view, count, targets) {
    var extra = "";
    if (view.kind === "body" && BODY[view.value] !== undefined) {
      var b = D.bodies[BODY[view.value]];
      extra = '<div class="aliases">' + esc([LEVELS[b[1]] || b[1], b[2]].filter(Boolean).join(" · ")) +
              (b[3].length ? " · 又称：" + esc(b[3].join("、")) : "") + "</div>";
    } else if (view.kind === "doc" && DOC[view.value] !== undefined) {
      var d = D.docs[DOC[view.value]];
      extra = '<div class="aliases">' + esc([d[5], LEVELS[d[2]] || d[2], d[3], d[4], d[0]].filter(Boolean).join(" · ")) + "</div>";
    }
    var title = view.kind === "doc" && DOC[view.value] !== undefined ? D.docs[DOC[view.value]][1] : view.value;
    byId("view-head").innerHTML = "<h3>" + esc(KINDS[view.kind]) + "：" + esc(title) + "</h3>" + extra +
      '<p class="note" id="result-count">' + count + " 项任务，" + targets + " 项量化目标</p>";
  }

  function fillSelect(id, values, labels) {
    var select = byId(id);
    values.forEach(function (v) {
      var option = document.createElement("option");
      option.value = v;
      option.textContent = labels ? labels(v) : v;
      select.appendChild(option);
    });
  }

  function uniq(values) { return Object.keys(values.reduce(function (m, v) { if (v) { m[v] = 1; } return m; }, {})).sort(); }

  function route() {
    var p = params(), today = todayIso(p), view = viewOf(p);
    byId("today").textContent = today;
    var f = {};
    FILTERS.forEach(function (name) {
      f[name] = p.get(name) || "";
      var select = document.querySelector('select[data-filter="' + name + '"]');
      if (select) { select.value = f[name]; }
    });
    showSource(p.get("src"));
    if (!view) { return; }
    var list = filtered(items(view), f, today);
    list.sort(function (a, b) {
      var ka = dueKey(a), kb = dueKey(b);
      if (ka !== kb) { return ka < kb ? -1 : 1; }
      var ta = D.tasks[a.task], tb = D.tasks[b.task];
      return ta[0] - tb[0] || (ta[1] < tb[1] ? -1 : ta[1] > tb[1] ? 1 : 0);
    });
    var targets = list.reduce(function (n, item) { return n + item.targets.length; }, 0);
    renderHead(view, list.length, targets);
    byId("results").innerHTML = list.length ? "" : '<p class="note" id="no-results">没有符合条件的任务。</p>';
    current = { list: list, shown: 0, today: today };
    renderMore();
    var key = view.kind + "=" + view.value;
    if (key !== lastView) { byId("explorer").scrollIntoView(); }
    lastView = key;
  }
  var lastView = null;

  function showSource(id) {
    var panel = byId("source-panel");
    var match = /^([td])(\d+)$/.exec(id || "");
    var row = match ? (match[1] === "t" ? D.targets : D.duties)[+match[2]] : null;
    if (!row) { panel.hidden = true; return; }
    var ev = match[1] === "t" ? row[7] : row[3];
    var task = D.tasks[row[0]], doc = D.docs[task[0]];
    var para = D.paras[ev[3]];
    var before = esc(para.slice(0, ev[4])), after = esc(para.slice(ev[5]));
    var what = match[1] === "t" ? esc(row[2]) : esc(D.bodies[row[1]][0]) + " · " + ROLES[row[2]];
    byId("source-body").innerHTML = "<h3>" + what + "</h3>" +
      '<p class="doc"><a href="' + esc(viewLink("doc", doc[0])) + '">' + esc(doc[1]) + "</a> · " + esc(task[2]) + "</p>" +
      '<p class="src">' + esc(ev[0]) + " · 字符 " + ev[1] + "–" + ev[2] + "（清洗后文本）</p>" +
      '<div class="paragraph">' + before + '<mark class="sentence">' + marked(ev) + "</mark>" + after + "</div>";
    panel.hidden = false;
  }

  // ------------------------------------------------------------------ search box
  var input = byId("explorer-search"), box = byId("suggestions"), timer = null;
  function suggest() {
    var q = fold(input.value);
    if (!q) { box.hidden = true; box.innerHTML = ""; return; }
    var found = [];
    for (var i = 0; i < entries.length; i += 1) {
      var e = entries[i], best = 9;
      for (var k = 0; k < e.keys.length; k += 1) {
        var key = e.keys[k], at = key.indexOf(q);
        if (at === -1) { continue; }
        best = Math.min(best, key === q ? 0 : at === 0 ? 1 : 2);
      }
      if (best < 9) { found.push([best, e.label.length, i]); }
    }
    found.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; });
    var html = found.slice(0, 12).map(function (hit) {
      var e = entries[hit[2]];
      return '<li><a href="' + esc(viewLink(e.kind, e.value)) + '" data-kind="' + e.kind + '"><span class="kind">' + KINDS[e.kind] + "</span>" +
             esc(e.label) + (e.sub ? '<span class="sub">' + esc(e.sub) + "</span>" : "") + "</a></li>";
    });
    html.push('<li><a href="' + esc(viewLink("q", input.value.trim())) + '" data-kind="q"><span class="kind">全文</span>含“' + esc(input.value.trim()) + "”的目标与任务</a></li>");
    box.innerHTML = html.join("");
    box.hidden = false;
  }
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(suggest, 60); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      suggest();
      var first = box.querySelector("a");
      if (first) { window.location.hash = first.getAttribute("href"); }
      box.hidden = true;
    } else if (event.key === "Escape") { box.hidden = true; }
  });
  box.addEventListener("click", function () { box.hidden = true; });

  // ------------------------------------------------------------------ filters
  fillSelect("filter-level", uniq(D.docs.map(function (d) { return d[2]; })), function (v) { return LEVELS[v] || v; });
  fillSelect("filter-jurisdiction", uniq(D.docs.map(function (d) { return d[3]; })));
  var docSelect = byId("filter-doc");
  D.docs.forEach(function (d) {
    var option = document.createElement("option");
    option.value = d[0];
    option.textContent = d[1];
    docSelect.appendChild(option);
  });
  fillSelect("filter-year", Object.keys(years).sort());
  Array.prototype.forEach.call(document.querySelectorAll("select[data-filter]"), function (select) {
    select.addEventListener("change", function () {
      var change = {};
      change[select.getAttribute("data-filter")] = select.value;
      change.src = null;
      window.location.hash = link(change);
    });
  });
  byId("source-close").addEventListener("click", function () { window.location.hash = link({ src: null }); });

  window.addEventListener("hashchange", route);
  route();
  document.body.setAttribute("data-explorer-ms", String(Math.round(performance.now() - started)));
  document.body.setAttribute("data-explorer", "ready");
}());
