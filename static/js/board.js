// Mission control (templates/fleet/board.html): the lanes refresh themselves, swapping only
// the cards that changed; keyboard j/k/Enter/x/?; the bulk bar's count. No inline code.
//
//   <section id="board-lanes" data-board data-refresh-url="…" data-refresh-every="2">
//     <ol data-lane="working"><li id="card-<id>" data-card data-v="<version>">…</li></ol>
//
// A refresh GETs the lanes, then: the summary and problem boxes are replaced; each card is
// kept as it is when its version is unchanged (focus and a ticked box stay), replaced when
// it changed, moved when its lane changed, removed when it is gone. The user's notification
// stream (notifications.js: `portal:board` when any replica's webhook or poll was processed,
// `portal:notification`) and a bulk action's `board:refresh` refresh it at once; otherwise every `data-refresh-every` seconds while the
// tab is visible (slower while hidden).
(function () {
  "use strict";
  var timer = null, inFlight = false, again = false;

  function board() { return document.querySelector("[data-board]"); }

  function schedule(delay) {
    clearTimeout(timer);
    var el = board();
    if (!el) return;
    var every = Math.max(1, parseFloat(el.dataset.refreshEvery || "10")) * 1000;
    if (document.visibilityState !== "visible") every = Math.min(every * 4, 60000);
    timer = setTimeout(refresh, delay === undefined ? every : delay);
  }

  function refresh() {
    var el = board();
    if (!el) return;
    if (inFlight) { again = true; return; }
    inFlight = true;
    fetch(el.dataset.refreshUrl, {
      credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Target": "board-lanes" },
    }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.text();
    }).then(apply).catch(function () { /* keep what is shown; try again later */ })
      .then(function () {
        inFlight = false;
        if (again) { again = false; refresh(); } else schedule();
      });
  }

  function selected() {
    var ids = {};
    document.querySelectorAll("#board-lanes .card-select:checked").forEach(function (c) { ids[c.value] = true; });
    return ids;
  }

  function apply(html) {
    var current = board();
    if (!current) return;
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var fresh = tpl.content.querySelector("[data-board]");
    if (!fresh) return;
    current.dataset.refreshEvery = fresh.dataset.refreshEvery;
    current.dataset.refreshUrl = fresh.dataset.refreshUrl;
    var lanesNow = current.querySelectorAll("ol[data-lane]");
    var lanesNew = fresh.querySelectorAll("ol[data-lane]");
    var same = lanesNow.length === lanesNew.length && lanesNow.length > 0;
    if (!same) {  // first answer after a failure, or different lanes: the whole box
      current.replaceWith(fresh);
      htmx.process(fresh);
      updateCount();
      return;
    }
    ["board-problem", "board-summary"].forEach(function (id) {
      var a = document.getElementById(id), b = fresh.querySelector("#" + id);
      if (a && b && a.innerHTML !== b.innerHTML) a.replaceWith(b);
    });
    var ticked = selected();
    var focusedCard = document.activeElement && document.activeElement.closest && document.activeElement.closest("[data-card]");
    var focusId = focusedCard && focusedCard.id;
    var focusSel = focusedCard && (document.activeElement.classList.contains("card-select") ? ".card-select" : ".card-name");
    lanesNew.forEach(function (olNew) {
      var ol = current.querySelector("ol[data-lane='" + olNew.dataset.lane + "']");
      if (!ol) return;
      var wanted = [];
      Array.prototype.forEach.call(olNew.children, function (li) {
        var old = li.id ? document.getElementById(li.id) : null;
        if (old && old.dataset.v === li.dataset.v) { wanted.push(old); return; }
        var box = li.querySelector(".card-select");
        if (box && ticked[box.value]) box.checked = true;
        if (old) old.remove();
        wanted.push(li);
      });
      Array.prototype.slice.call(ol.children).forEach(function (child) {
        if (wanted.indexOf(child) < 0) child.remove();
      });
      wanted.forEach(function (li) { ol.appendChild(li); });
      var count = current.querySelector("[data-lane-count='" + olNew.dataset.lane + "']");
      if (count) count.textContent = String(olNew.querySelectorAll("[data-card]").length);
    });
    if (focusId && !(document.activeElement && document.activeElement.closest && document.activeElement.closest("[data-card]"))) {
      var back = document.getElementById(focusId);
      var target = back && back.querySelector(focusSel);
      if (target) target.focus({ preventScroll: true });
    }
    updateCount();
  }

  // --- the bulk bar -----------------------------------------------------------------------
  function updateCount() {
    var label = document.querySelector("[data-bulk-count]");
    if (!label) return;
    var n = document.querySelectorAll("#board-lanes .card-select:checked").length;
    label.textContent = n ? n + " selected:" : "Select idle or active replicas with their boxes, then:";
  }
  document.addEventListener("change", function (e) {
    if (e.target.classList && e.target.classList.contains("card-select")) updateCount();
  });
  document.addEventListener("click", function (e) {
    var cancel = e.target.closest && e.target.closest("[data-bulk-cancel]");
    if (cancel) {
      var box = document.getElementById("bulk-box");
      if (box) box.replaceChildren();
      return;
    }
    if (e.target.closest && e.target.closest("[data-board-keys]")) showKeys();
  });
  document.body.addEventListener("board:refresh", function () {
    document.querySelectorAll("#board-lanes .card-select:checked").forEach(function (c) { c.checked = false; });
    updateCount();
    refresh();
  });

  // --- keyboard ---------------------------------------------------------------------------
  function cards() { return Array.prototype.slice.call(document.querySelectorAll("#board-lanes [data-card]")); }
  function showKeys() {
    var d = document.getElementById("board-keys");
    if (d && !d.open) d.showModal();
  }
  document.addEventListener("keydown", function (e) {
    if (!board() || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) && !(t.classList && t.classList.contains("card-select"))) return;
    if (document.querySelector("dialog[open]")) return;
    var list = cards();
    var current = t && t.closest ? t.closest("[data-card]") : null;
    var i = current ? list.indexOf(current) : -1;
    if (e.key === "j" || e.key === "k") {
      if (!list.length) return;
      e.preventDefault();
      var next = e.key === "j" ? Math.min(i + 1, list.length - 1) : Math.max(i - 1, 0);
      if (i < 0) next = 0;
      var link = list[next].querySelector(".card-name");
      link.focus();
      link.scrollIntoView({ block: "nearest" });
    } else if (e.key === "Enter" && current && t.classList.contains("card-select")) {
      e.preventDefault();
      current.querySelector(".card-name").click();
    } else if (e.key === "x" && current) {
      var box = current.querySelector(".card-select");
      if (box) { e.preventDefault(); box.click(); }
    } else if (e.key === "?") {
      e.preventDefault();
      showKeys();
    }
  });

  // --- start, and again after htmx swaps the lanes (filters) ------------------------------
  document.addEventListener("visibilitychange", function () {
    if (board() && document.visibilityState === "visible") schedule(0);
  });
  document.addEventListener("portal:notification", function () { if (board()) schedule(0); });
  // Any replica changed (a webhook, or the poller): soon, once for a burst of them.
  document.addEventListener("portal:board", function () { if (board()) schedule(250); });
  htmx.onLoad(function (root) {
    if (root.matches && root.matches("[data-board]") || (root.querySelector && root.querySelector("[data-board]"))) {
      updateCount();
      schedule();
    }
  });
})();
