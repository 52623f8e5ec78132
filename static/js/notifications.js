// Notifications on every portal page: the header's bell (count and menu), toasts, the tab
// title's unread count, and desktop notifications. No inline code (the CSP forbids it).
//
//   <div data-notifications data-stream-url="…" data-menu-url="…">   (base.html, signed in)
//
// - One EventSource per browser on the user's stream, held by one tab and shared with the
//   others: `count` (the unread count; its id is the newest notification's) and
//   `notification` (JSON: title, body, url, tag, desktop, toast). The newest id seen is kept
//   in localStorage, so the next holder asks for what it missed (`?after=`) and nothing
//   twice; EventSource's own reconnects send Last-Event-ID.
// - Toasts go in a polite live region, stay while hovered or focused, and can be dismissed.
// - Desktop notifications: only if the user chose them for that kind of event (the server says
//   `desktop`), the browser allows them (asked only on a click of an "Allow" button), and no
//   portal tab is visible (each visible tab stamps localStorage); one per replica and event
//   however many tabs got it (a Web Lock and a localStorage mark, by the event's tag).
(function () {
  "use strict";
  var LAST = "portal:notifications:last";
  var VISIBLE = "portal:notifications:visible:";
  var SHOWN = "portal:notifications:desktop:";
  var TOAST_MS = 10000;
  var tabId = Math.random().toString(36).slice(2);
  var box = null, source = null, unread = 0;

  function store(key, value) {
    try { if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }
  function read(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }

  // --- the count: badge, words, tab title, the folded menu's button ------------------------
  function baseTitle() { return document.title.replace(/^\(\d+\) /, ""); }
  function showCount(n) {
    unread = n;
    var bell = document.getElementById("notifications-bell");
    if (bell) {
      var badge = bell.querySelector(".notif-count");
      var words = bell.querySelector(".notif-count-words");
      if (badge) { badge.textContent = n > 99 ? "99+" : String(n); badge.hidden = n === 0; }
      if (words) words.textContent = n ? ", " + n + " unread" : "";
    }
    document.title = (n ? "(" + n + ") " : "") + baseTitle();
    var toggle = document.querySelector(".menu-toggle");
    if (toggle) {
      if (n) {
        toggle.setAttribute("data-unread", n > 99 ? "99+" : String(n));
        toggle.setAttribute("aria-label", "Menu (" + n + " unread notification" + (n === 1 ? ")" : "s)"));
      } else {
        toggle.removeAttribute("data-unread");
        toggle.removeAttribute("aria-label");
      }
    }
  }
  // htmx swaps may bring the page's own <title>: put the count back.
  document.addEventListener("htmx:afterSettle", function () { if (box) showCount(unread); });

  function remember(id) {
    var n = parseInt(id, 10);
    if (!isNaN(n) && n > (parseInt(read(LAST), 10) || 0)) store(LAST, String(n));
  }

  // --- toasts ---------------------------------------------------------------------------------
  function region() {
    var el = document.getElementById("toasts");
    if (!el) {
      el = document.createElement("div");
      el.id = "toasts";
      el.className = "toasts";
      el.setAttribute("role", "region");
      el.setAttribute("aria-label", "New notifications");
      el.setAttribute("aria-live", "polite");
      document.body.appendChild(el);
    }
    return el;
  }
  function toast(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var el = holder.firstElementChild;
    if (!el) return;
    region().appendChild(el);
    var held = false, timer = null;
    function later() { timer = setTimeout(function () { if (!held) el.remove(); }, TOAST_MS); }
    el.addEventListener("mouseenter", function () { held = true; });
    el.addEventListener("mouseleave", function () { held = false; clearTimeout(timer); later(); });
    el.addEventListener("focusin", function () { held = true; });
    el.addEventListener("focusout", function () { held = false; clearTimeout(timer); later(); });
    later();
  }
  document.addEventListener("click", function (e) {
    var close = e.target.closest && e.target.closest(".toast-close");
    if (close) {
      var t = close.closest(".toast");
      if (t) t.remove();
    }
  });

  // --- desktop notifications ----------------------------------------------------------------
  function desktopAllowed() {
    return "Notification" in window && Notification.permission === "granted";
  }
  function stampVisible() {
    if (document.visibilityState === "visible") store(VISIBLE + tabId, String(Date.now()));
    else store(VISIBLE + tabId, null);
  }
  function someTabVisible() {
    if (document.visibilityState === "visible") return true;
    var now = Date.now();
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key && key.indexOf(VISIBLE) === 0 && now - (parseInt(localStorage.getItem(key), 10) || 0) < 5000) return true;
      }
    } catch (e) { /* no storage: this tab decides alone */ }
    return false;
  }
  function showDesktop(data) {
    var mark = SHOWN + data.tag;
    if (read(mark)) return;
    store(mark, String(Date.now()));
    forgetOldMarks();
    var n = new Notification(data.title, { body: data.body || "", tag: data.tag });
    n.onclick = function () {
      window.focus();
      window.location.href = data.url;
      n.close();
    };
  }
  function desktop(data) {
    if (!data.desktop || !desktopAllowed() || someTabVisible()) return;
    if (navigator.locks && navigator.locks.request) {
      // Only one tab at a time looks at (and sets) the mark for this tag.
      navigator.locks.request(SHOWN + data.tag, { ifAvailable: true }, function (lock) {
        if (lock) showDesktop(data);
      });
    } else {
      setTimeout(function () { showDesktop(data); }, Math.random() * 200);
    }
  }
  function forgetOldMarks() {
    try {
      var marks = [];
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key && key.indexOf(SHOWN) === 0) marks.push([parseInt(localStorage.getItem(key), 10) || 0, key]);
      }
      marks.sort(function (a, b) { return a[0] - b[0]; });
      marks.slice(0, Math.max(0, marks.length - 100)).forEach(function (m) { localStorage.removeItem(m[1]); });
    } catch (e) { /* nothing to tidy */ }
  }

  // The "Allow desktop notifications" buttons (the preferences page, the bell's menu).
  function permissionWords() {
    if (!("Notification" in window)) return "This browser can't show desktop notifications (they also need HTTPS).";
    if (Notification.permission === "granted") return "Allowed in this browser.";
    if (Notification.permission === "denied") return "Blocked in this browser: allow them in its site settings for this portal.";
    return "Not allowed yet in this browser.";
  }
  function refreshPermission(root) {
    (root || document).querySelectorAll("[data-permission-state]").forEach(function (el) {
      el.textContent = permissionWords();
    });
    (root || document).querySelectorAll("[data-ask-permission]").forEach(function (button) {
      button.hidden = !("Notification" in window) || Notification.permission !== "default";
    });
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-ask-permission]");
    if (!button || !("Notification" in window)) return;
    var asked = Notification.requestPermission(function () { refreshPermission(); });
    if (asked && asked.then) asked.then(function () { refreshPermission(); });
  });

  // --- the bell's menu ------------------------------------------------------------------------
  function menu() { return document.getElementById("notifications-menu"); }
  function bell() { return document.getElementById("notifications-bell"); }
  function loadMenu() {
    if (box && window.htmx) {
      htmx.ajax("GET", box.dataset.menuUrl, { target: "#notifications-menu", swap: "innerHTML" });
    }
  }
  function setMenu(open, focusBell) {
    var m = menu(), b = bell();
    if (!m || !b) return;
    m.hidden = !open;
    b.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) loadMenu();
    else if (focusBell) b.focus();
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("#notifications-bell");
    if (b) {
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || !window.htmx) return;
      e.preventDefault();
      setMenu(menu().hidden);
      return;
    }
    var m = menu();
    if (m && !m.hidden && !(e.target.closest && e.target.closest("#notifications-menu"))) setMenu(false);
  });
  document.addEventListener("keydown", function (e) {
    var m = menu();
    if (e.key === "Escape" && m && !m.hidden) setMenu(false, true);
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id === "notifications-menu") refreshPermission(e.detail.target);
    else refreshPermission();
  });

  // --- the stream: one per browser, shared by its tabs ----------------------------------------
  // Browsers allow about six HTTP/1.1 connections per site across all tabs, and a replica's
  // page holds its own stream already: so one tab (the holder of a Web Lock) keeps the
  // notification stream and passes what it hears to the others (BroadcastChannel). When it
  // closes, the lock passes to another tab, which connects and catches up (`?after=`).
  // Without those APIs (plain HTTP on a non-local address) each tab has its own stream.
  var channel = null, lastCount = null;

  function onCount(value) {
    lastCount = value;
    showCount(value);
  }
  function onNotification(data) {
    if (data.toast) toast(data.toast);
    desktop(data);
    var m = menu();
    if (m && !m.hidden) loadMenu();
    document.dispatchEvent(new CustomEvent("portal:notification", { detail: data }));
  }
  function onBoard() { document.dispatchEvent(new CustomEvent("portal:board")); }
  function share(type, data) {
    if (channel) channel.postMessage({ type: type, data: data });
  }

  function connect(done) {
    if (!window.EventSource) return done && done();
    var url = box.dataset.streamUrl;
    var last = read(LAST);
    if (last) url += (url.indexOf("?") < 0 ? "?" : "&") + "after=" + encodeURIComponent(last);
    source = new EventSource(url);
    source.addEventListener("count", function (e) {
      if (e.lastEventId) remember(e.lastEventId);
      var value = parseInt(e.data, 10) || 0;
      onCount(value);
      share("count", value);
    });
    source.addEventListener("notification", function (e) {
      var data;
      try { data = JSON.parse(e.data); } catch (err) { return; }
      remember(e.lastEventId || data.id);
      onNotification(data);
      share("notification", data);
    });
    // A replica changed (any replica: fleet/live.py): the board, if open, refreshes.
    source.addEventListener("board", function () { onBoard(); share("board", null); });
    source.addEventListener("error", function () {
      // Closed for good (signed out: 403): let another tab try; no loop.
      if (source && source.readyState === EventSource.CLOSED && done) done();
    });
    window.addEventListener("pagehide", function () { if (source) source.close(); });
  }

  function start() {
    stampVisible();
    setInterval(stampVisible, 2000);
    document.addEventListener("visibilitychange", stampVisible);
    window.addEventListener("pagehide", function () { store(VISIBLE + tabId, null); });
    refreshPermission();
    box = document.querySelector("[data-notifications]");
    if (!box) return;
    if (!(window.BroadcastChannel && navigator.locks && navigator.locks.request)) {
      connect();
      return;
    }
    channel = new BroadcastChannel("portal:notifications");
    channel.onmessage = function (e) {
      var message = e.data || {};
      if (message.type === "count") onCount(message.data);
      else if (message.type === "notification") onNotification(message.data);
      else if (message.type === "board") onBoard();
      else if (message.type === "hello" && source && lastCount !== null) share("count", lastCount);
    };
    navigator.locks.request("portal:notifications:stream", function () {
      return new Promise(function (release) { connect(release); });
    });
    share("hello");  // the tab holding the stream answers with the count
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
