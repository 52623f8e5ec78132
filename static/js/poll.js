// Quiet polling without inline JS or eval (the CSP forbids both).
//
//   <div id="x" data-poll-url="/fragment/" data-poll-every="3">…</div>
//
// The element is replaced (outerHTML) by the fragment every `data-poll-every` seconds while
// the tab is visible; while hidden, the interval doubles up to 60 s, and the element refreshes
// at once when the tab is shown again. A fragment without data-poll-url stops the polling.
(function () {
  "use strict";
  var MAX_HIDDEN_DELAY = 60000;

  function start(el) {
    if (el._pollTimer || !el.isConnected) return;
    var base = Math.max(1, parseFloat(el.dataset.pollEvery || "3")) * 1000;
    var delay = base;
    function tick() {
      el._pollTimer = null;
      if (!el.isConnected) return;
      if (document.visibilityState !== "visible") {
        delay = Math.min(delay * 2, MAX_HIDDEN_DELAY);
        el._pollTimer = setTimeout(tick, delay);
        return;
      }
      delay = base;
      function again() {
        // Still here means nothing replaced the element (an error answer is not swapped,
        // or it went to the error banner): keep the old content and try again, more slowly.
        if (el.isConnected && !el._pollTimer) {
          el._pollTimer = setTimeout(tick, Math.min(base * 4, MAX_HIDDEN_DELAY));
        }
      }
      htmx.ajax("GET", el.dataset.pollUrl, { target: el, swap: "outerHTML" }).then(again, again);
    }
    el._pollTick = tick;
    el._pollTimer = setTimeout(tick, delay);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") return;
    document.querySelectorAll("[data-poll-url]").forEach(function (el) {
      if (el._pollTimer && el._pollTick) {
        clearTimeout(el._pollTimer);
        el._pollTick();
      }
    });
  });

  htmx.onLoad(function (root) {
    var els = [];
    if (root.matches && root.matches("[data-poll-url]")) els.push(root);
    if (root.querySelectorAll) els.push.apply(els, root.querySelectorAll("[data-poll-url]"));
    els.forEach(start);
  });
})();
