(function () {
  var D = JSON.parse(document.getElementById("d").textContent), S = D.s, T = D.token;
  var V = D.view, ST = window.localStorage, K = "dispatch-crew|" + D.crew + "|" + D.day + "|";
  var sending = false, dead = false, note = "", errs = [], editing = null;
  function get(k, d) { try { var v = ST.getItem(K + k); return v ? JSON.parse(v) : d; } catch (e) { return d; } }
  function put(k, v) { try { ST.setItem(K + k, JSON.stringify(v)); } catch (e) {} }
  var queue = get("queue", []), mine = get("status", {}), seen = get("view", null);
  if (seen && (!V || seen.plan_id > V.plan_id)) { V = seen; }
  function fmt(s, o) { return s.replace(/\{(\w+)\}/g, function (m, k) { return o[k] === undefined ? m : o[k]; }); }
  function hhmm(d) { function p(n) { return (n < 10 ? "0" : "") + n; } return p(d.getHours()) + S.sep + p(d.getMinutes()); }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; } return e; }
  function uid() { if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join(""); }
  function statusText(r) { var t = hhmm(new Date(r.at));
    return r.status === "not_done" ? fmt(S.st_not_done, {time: t, reason: S["r_" + r.reason]}) : fmt(S["st_" + r.status], {time: t}); }
  function stateOf(it) {
    var q = null; queue.forEach(function (r) { if (r.ticket_id === it.ticket_id) { q = r; } });
    if (q) { return {status: q.status, text: statusText(q), wait: true}; }
    var m = mine[it.ticket_id], s = V.reported[it.ticket_id];
    if (m && (!s || Date.parse(m.at) >= Date.parse(s.at))) { return {status: m.status, text: m.text}; }
    if (s) { return s; }
    if (it.progress) { return {status: it.progress === "done" ? "done" : "arrived", text: S[it.progress]}; }
    return null;
  }
  function report(it, status, extra) {
    var r = {report_id: uid(), ticket_id: it.ticket_id, status: status, at: new Date().toISOString()};
    for (var k in extra) { r[k] = extra[k]; }
    function go() { queue.push(r); put("queue", queue); mine[it.ticket_id] = {status: status, text: statusText(r), at: r.at};
      put("status", mine); draw(); flush(); }
    if (document.getElementById("pos").checked && navigator.geolocation) {
      navigator.geolocation.getCurrentPosition(function (p) { r.lat = p.coords.latitude; r.lon = p.coords.longitude; go(); },
        go, {timeout: 5000, maximumAge: 60000});
    } else { go(); }
  }
  function form(it, box, status) {
    var f = el("form"), home = el("input"), mins = el("input"), why = el("select"), l1 = el("label"), l2 = el("label");
    home.type = "checkbox"; home.name = "entered"; home.checked = status === "done" && it.indoor;
    mins.type = "number"; mins.name = "minutes"; mins.min = "0"; mins.value = it.in_home_min;
    if (status === "not_done") { ["not_home", "unsafe", "needs_skill", "needs_material"].forEach(function (k) {
      var o = el("option", "", S["r_" + k]); o.value = k; why.appendChild(o); }); why.name = "reason"; f.appendChild(why); }
    l1.appendChild(home); l1.appendChild(document.createTextNode(" " + S.entered)); f.appendChild(l1);
    l2.appendChild(document.createTextNode(S.minutes + " ")); l2.appendChild(mins); f.appendChild(l2);
    var ok = el("button", "send", S.send), no = el("button", "alt", S.cancel); no.type = "button";
    f.appendChild(ok); f.appendChild(document.createTextNode(" ")); f.appendChild(no);
    no.onclick = function () { editing = null; draw(); };
    f.onsubmit = function (e) { e.preventDefault(); editing = null; var x = {entered_home: home.checked};
      if (home.checked && mins.value !== "") { x.in_home_min = Number(mins.value); }
      if (status === "not_done") { x.reason = why.value; } report(it, status, x); };
    box.appendChild(f);
  }
  function card(it) {
    var a = el("article", "stop"), st = stateOf(it), h = el("div");
    a.setAttribute("data-ticket", it.ticket_id);
    h.appendChild(el("span", "seq", String(it.seq))); h.appendChild(el("span", "tid", it.ticket_id)); a.appendChild(h);
    a.appendChild(el("p", "", it.window + " (" + it.arrival + ")"));
    var b = el("div"); it.badges.forEach(function (t, i) { b.appendChild(el("span", i === 3 ? "b ppe" : "b", t)); }); a.appendChild(b);
    if (it.ppe_note) { a.appendChild(el("p", "err", it.ppe_note)); }
    a.appendChild(el("p", "", S.address + ": " + (it.address || "-")));
    var c = el("p", "", S.customer + ": " + (it.customer || "-"));
    if (it.phone) { var t = el("a", "", " " + S.call); t.href = "tel:" + it.phone; c.appendChild(t); }
    a.appendChild(c); a.appendChild(el("p", "", it.work));
    var u = el("ul"); it.notes.forEach(function (n) { u.appendChild(el("li", "", n)); }); a.appendChild(u);
    a.appendChild(el("p", "", it.tally));
    var s = el("p", "st" + (st && st.wait ? " wait" : ""), st ? st.text : ""); s.setAttribute("data-status", st ? st.status : "");
    a.appendChild(s);
    if (st && (st.status === "done" || st.status === "not_done")) { a.className += " is-done"; }
    var acts = el("div", "acts"), nav = el("a", "nav", S.navigate); nav.href = it.nav; acts.appendChild(nav);
    ["on_the_way", "arrived", "done", "not_done"].forEach(function (k) {
      var btn = el("button", k === "not_done" ? "no" : "", S[k]); btn.type = "button"; btn.setAttribute("data-act", k);
      btn.onclick = function () {
        if (k === "done" || k === "not_done") { editing = null; draw(); editing = it.ticket_id;
          form(it, document.querySelector('article[data-ticket="' + it.ticket_id + '"]'), k);
        } else { report(it, k, {}); } };
      acts.appendChild(btn); });
    a.appendChild(acts);
    return a;
  }
  function drawBar(bar) {
    bar.className = "bar"; bar.textContent = queue.length ? fmt(S.queue, {count: queue.length}) : S.synced;
    if (!navigator.onLine) { bar.className = "bar off"; bar.textContent += " - " + S.offline; }
    if (dead) { bar.className = "bar bad"; bar.textContent = S.link_invalid; }
    bar.id = "queue"; bar.setAttribute("data-count", String(queue.length));
  }
  function draw() {
    var m = document.getElementById("m"), pos = document.getElementById("pos").checked;
    if (editing) { drawBar(document.getElementById("queue")); return; }  // a form is open: only the bar
    while (m.firstChild) { m.removeChild(m.firstChild); }
    var bar = el("div"); drawBar(bar); m.appendChild(bar);
    if (note) { var r = el("div", "rev", note); r.id = "revision"; m.appendChild(r); }
    errs.forEach(function (e) { m.appendChild(el("div", "err refused", e)); });
    if (!V) { m.appendChild(el("p", "", S.no_plan)); return; }
    m.appendChild(el("h1", "", V.heading));
    V.lines.forEach(function (l) { m.appendChild(el("p", "", l)); });
    V.items.forEach(function (it) { m.appendChild(it["break"] ? el("p", "brk", it["break"]) : card(it)); });
    document.getElementById("pos").checked = pos;
  }
  function api(method, path, body) {
    return fetch(path, {method: method, headers: {"Authorization": "Bearer " + T, "Content-Type": "application/json"},
      body: body ? JSON.stringify(body) : undefined, cache: "no-store"});
  }
  function flush() {
    if (sending || dead || !queue.length) { draw(); return; }
    sending = true;
    var r = queue[0];
    api("POST", D.api + "reports", r).then(function (res) {
      return res.json().then(function (j) { return {code: res.status, body: j}; }); }).then(function (x) {
      sending = false;
      if (x.code === 200) { queue.shift(); }
      else if (x.code === 403 && x.body.error !== "not_your_stop") { dead = true; }
      else if (x.code === 403 || x.code === 422) { queue.shift();
        errs.push(fmt(S.refused, {ticket: r.ticket_id, why: S["p_" + x.body.error] || S.p_other})); delete mine[r.ticket_id]; put("status", mine); }
      else { draw(); return; }
      put("queue", queue); draw(); if (queue.length && !dead) { flush(); } else { poll(); }
    }).catch(function () { sending = false; draw(); });
  }
  function poll() {
    if (dead) { return; }
    api("GET", D.api + "route?lang=" + D.lang + (V ? "&since=" + V.plan_id : "")).then(function (res) {
      if (res.status === 403) { dead = true; draw(); return null; } return res.ok ? res.json() : null; }).then(function (j) {
      if (!j || j.current) { return; }
      if (V && j.changes) { note = fmt(S.revision, {version: j.version, changes: j.changes}); }
      V = j; put("view", V); draw();
    }).catch(function () {});
  }
  window.addEventListener("online", function () { draw(); flush(); poll(); });
  window.addEventListener("offline", draw);
  setInterval(function () { flush(); poll(); }, D.poll * 1000);
  if (V) { put("view", V); }
  draw(); flush(); poll();
  if ("serviceWorker" in navigator) { try { navigator.serviceWorker.register("sw.js"); } catch (e) {} }
})();
