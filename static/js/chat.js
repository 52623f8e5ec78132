// The chat panel's small behaviours (no inline JS: the CSP forbids it).
// - follow the transcript while the reader is at the bottom; stop when they scroll up and
//   offer "Jump to latest";
// - keep the id of the last live event in the stream URL, so that when the htmx SSE
//   extension re-creates the EventSource after an error it resumes where it stopped
//   (the browser's own reconnects send Last-Event-ID by themselves);
// - a quiet "reconnecting…" state while the stream is down;
// - Ctrl/Cmd+Enter sends the composer;
// - live messages carry their sender (`data-sender`; the stream is rendered once for every
//   viewer): the viewer's own are labelled "You", as the server does for history;
// - drafts: what is typed in the composer is kept (sessionStorage, per replica and chat)
//   until it is sent, so a panel refresh, a tab switch, a reload or a failed send never
//   loses it.
(function () {
  "use strict";

  function draftStore() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }
  function draftKey(textarea) {
    var key = textarea.getAttribute("data-draft-key");
    return key ? "portal-draft:" + key : null;
  }
  function keepDraft(textarea) {
    var store = draftStore(), key = draftKey(textarea);
    if (!store || !key) return;
    try {
      if (textarea.value) store.setItem(key, textarea.value);
      else store.removeItem(key);
    } catch (e) { /* storage full or disabled: the text stays in the page */ }
  }
  function restoreDraft(textarea) {
    var store = draftStore(), key = draftKey(textarea);
    if (!store || !key) return;
    if (textarea.hasAttribute("data-sent")) { store.removeItem(key); return; }
    var draft = store.getItem(key);
    if (draft && !textarea.value) textarea.value = draft;
  }
  document.addEventListener("input", function (e) {
    if (e.target && e.target.id === "composer-message") keepDraft(e.target);
  });
  var NEAR_BOTTOM = 48;

  function scroller() { return document.getElementById("transcript-scroller"); }
  function jump() { return document.getElementById("jump-latest"); }

  var following = true;

  function atBottom(el) {
    return el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM;
  }
  function toBottom() {
    var el = scroller();
    if (el) el.scrollTop = el.scrollHeight;
    var j = jump();
    if (j) j.hidden = true;
    following = true;
  }
  function afterUpdate() {
    var el = scroller();
    if (!el) return;
    if (following) toBottom();
    else { var j = jump(); if (j) j.hidden = false; }
  }
  function setStatus(state, text) {
    var s = document.getElementById("stream-status");
    if (!s) return;
    s.className = "stream-status stream-" + state;
    s.textContent = text;
  }

  function labelOwnMessages() {
    var el = scroller();
    var viewer = el && el.getAttribute("data-viewer");
    if (!viewer) return;
    el.querySelectorAll(".msg--user[data-sender]").forEach(function (msg) {
      if (msg.getAttribute("data-sender") !== viewer) return;
      var name = msg.querySelector(".msg-sender");
      if (name && name.textContent !== "You") name.textContent = "You";
    });
  }

  document.addEventListener("scroll", function (e) {
    var el = scroller();
    if (e.target !== el) return;
    following = atBottom(el);
    var j = jump();
    if (j && following) j.hidden = true;
  }, true);

  document.addEventListener("click", function (e) {
    if (e.target && e.target.id === "jump-latest") toBottom();
  });

  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target && e.target.id === "composer-message") {
      e.preventDefault();
      var form = document.getElementById("composer");
      if (form) form.requestSubmit();
    }
  });

  document.body.addEventListener("htmx:sseMessage", function (e) {
    var id = e.detail && e.detail.lastEventId;
    var panel = document.getElementById("chat-panel");
    if (id && panel && panel.getAttribute("sse-connect")) {
      var url = new URL(panel.getAttribute("sse-connect"), window.location.href);
      url.searchParams.set("after", id);
      panel.setAttribute("sse-connect", url.pathname + url.search);
    }
    labelOwnMessages();
    afterUpdate();
  });
  document.body.addEventListener("htmx:sseOpen", function () { setStatus("live", "live"); });
  document.body.addEventListener("htmx:sseError", function () { setStatus("reconnecting", "reconnecting…"); });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.target && e.target.id === "transcript-scroller") toBottom();
  });

  htmx.onLoad(function (root) {
    var textarea = document.getElementById("composer-message");
    if (textarea && (root === textarea || (root.contains && root.contains(textarea)))) {
      restoreDraft(textarea);
    }
    if (root === document.body || (root.querySelector && root.querySelector("#transcript-scroller"))) {
      following = true;
      toBottom();
    }
  });
})();
