// The hook consoles' small behaviours (no inline JS: the CSP forbids it), driven by data-
// attributes so any console-like page can use them:
// - [data-code-editor]: a textarea with line numbers; Tab inserts spaces (data-tab-spaces),
//   Shift+Tab takes them away; Esc then Tab leaves the editor (keyboard users are never
//   trapped); Ctrl/Cmd+Enter presses the form's first submit button;
// - [data-console][data-draft-key]: what is typed in its editor is kept in localStorage until
//   it is saved (the text of the active hook is in [data-hook-active]; a run that saved puts
//   the saved text in [data-hook-saved]); on a reload the draft comes back, with a note and a
//   way to discard it. A text the server put there on purpose (data-fresh: a restored
//   version, a refused POST's text) wins over an older draft;
// - [data-console-timestamps]: show or hide the logs' timestamps (remembered);
// - [data-console-copy=ID], [data-console-download=ID]: the whole log of #ID as text;
// - logs (.console-log) follow their end while the reader is at the bottom.
(function () {
  "use strict";

  var DRAFTS = "portal-hook-draft:";
  var TS = "portal-log-timestamps";
  var NEAR_BOTTOM = 40;

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function get(key) {
    var s = store();
    try { return s ? s.getItem(key) : null; } catch (e) { return null; }
  }
  function put(key, value) {
    var s = store();
    if (!s) return;
    try {
      if (value === null) s.removeItem(key); else s.setItem(key, value);
    } catch (e) { /* full or disabled: the text stays in the page */ }
  }

  // --- the editor --------------------------------------------------------------------------

  function gutterFor(textarea) {
    var box = textarea.closest("[data-code-editor]");
    return box ? box.querySelector(".code-gutter") : null;
  }
  function renumber(textarea) {
    var gutter = gutterFor(textarea);
    if (!gutter) return;
    var lines = textarea.value.split("\n").length;
    if (gutter.getAttribute("data-lines") === String(lines)) { gutter.scrollTop = textarea.scrollTop; return; }
    var out = [];
    for (var i = 1; i <= lines; i++) out.push(i);
    gutter.textContent = out.join("\n") + "\n";
    gutter.setAttribute("data-lines", String(lines));
    gutter.scrollTop = textarea.scrollTop;
  }
  function isEditor(el) {
    return el && el.tagName === "TEXTAREA" && el.closest && el.closest("[data-code-editor]");
  }
  function insert(textarea, text, start, end) {
    textarea.setRangeText(text, start, end, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  var escaped = false;
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (!isEditor(t)) return;
    if (e.key === "Escape") { escaped = true; return; }
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      var button = t.form && t.form.querySelector("button[type=submit]");
      if (button) { e.preventDefault(); button.click(); }
      return;
    }
    if (e.key !== "Tab" || t.readOnly) { escaped = false; return; }
    if (escaped) { escaped = false; return; }  // Esc, then Tab: move on
    e.preventDefault();
    var n = parseInt(t.getAttribute("data-tab-spaces") || "2", 10);
    var spaces = new Array(n + 1).join(" ");
    var start = t.selectionStart, end = t.selectionEnd, value = t.value;
    var lineStart = value.lastIndexOf("\n", start - 1) + 1;
    if (e.shiftKey) {
      var lead = value.slice(lineStart, lineStart + n).match(/^ */)[0].length;
      if (lead) {
        insert(t, "", lineStart, lineStart + lead);
        t.setSelectionRange(Math.max(lineStart, start - lead), Math.max(lineStart, end - lead));
      }
      return;
    }
    if (start !== end && value.slice(start, end).indexOf("\n") !== -1) {
      // Indent every selected line.
      var block = value.slice(lineStart, end).replace(/^/gm, spaces);
      insert(t, block, lineStart, end);
      t.setSelectionRange(start + n, lineStart + block.length);
      return;
    }
    insert(t, spaces, start, end);
  });
  document.addEventListener("keyup", function (e) { if (e.key !== "Escape") escaped = false; });
  document.addEventListener("scroll", function (e) {
    if (isEditor(e.target)) { var g = gutterFor(e.target); if (g) g.scrollTop = e.target.scrollTop; }
    var log = e.target;
    if (log && log.classList && log.classList.contains("console-log")) {
      log.setAttribute("data-following", atBottom(log) ? "1" : "0");
    }
  }, true);

  // --- drafts ------------------------------------------------------------------------------

  function consoleOf(el) { return el && el.closest ? el.closest("[data-console][data-draft-key]") : null; }
  function editorIn(root) { return root ? root.querySelector("[data-code-editor] textarea") : null; }
  function draftKey(box) { return DRAFTS + box.getAttribute("data-draft-key"); }
  function activeText(box) {
    var active = box.querySelector("[data-hook-active]");
    return active ? active.value : "";
  }
  function note(box, show) {
    var n = box.querySelector("[data-draft-note]");
    if (n) n.hidden = !show;
  }
  function keep(box, textarea) {
    var text = textarea.value.replace(/\r\n/g, "\n");
    put(draftKey(box), text === activeText(box) ? null : text);
  }
  function restore(box) {
    var textarea = editorIn(box);
    if (!textarea || textarea.getAttribute("data-restored") === "1") return;
    textarea.setAttribute("data-restored", "1");
    if (textarea.hasAttribute("data-fresh") || textarea.readOnly) {
      if (!textarea.readOnly) keep(box, textarea);
    } else {
      var draft = get(draftKey(box));
      if (draft !== null && draft !== textarea.value) {
        textarea.value = draft;
        note(box, true);
      }
    }
    renumber(textarea);
  }
  function saved(box) {
    // A run or a save made a script active: forget the draft if it is that script.
    var done = box.querySelector("[data-hook-saved]");
    var textarea = editorIn(box);
    if (!done || !textarea) return;
    if (textarea.value.replace(/\r\n/g, "\n") === done.value) {
      put(draftKey(box), null);
      note(box, false);
    }
  }

  document.addEventListener("input", function (e) {
    if (!isEditor(e.target)) return;
    renumber(e.target);
    var box = consoleOf(e.target);
    if (box && !e.target.readOnly) keep(box, e.target);
  });
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t || !t.closest) return;
    var discard = t.closest("[data-draft-discard]");
    if (discard) {
      var box = consoleOf(discard), textarea = editorIn(box);
      if (box && textarea) {
        textarea.value = activeText(box);
        put(draftKey(box), null);
        note(box, false);
        renumber(textarea);
        textarea.focus();
      }
      return;
    }
    var copy = t.closest("[data-console-copy]");
    if (copy) { copyLog(copy); return; }
    var download = t.closest("[data-console-download]");
    if (download) { e.preventDefault(); downloadLog(download); }
  });

  // --- logs --------------------------------------------------------------------------------

  function timestampsOn() { return get(TS) === "1"; }
  function showTimestamps(on) {
    document.documentElement.classList.toggle("show-log-ts", on);
    document.querySelectorAll("[data-console-timestamps]").forEach(function (box) { box.checked = on; });
  }
  document.addEventListener("change", function (e) {
    if (e.target && e.target.hasAttribute && e.target.hasAttribute("data-console-timestamps")) {
      put(TS, e.target.checked ? "1" : null);
      showTimestamps(e.target.checked);
    }
  });

  function logText(id) {
    var log = document.getElementById(id);
    if (!log) return "";
    var lines = log.querySelectorAll(".log-line");
    if (!lines.length) return log.textContent;
    var withTs = timestampsOn();
    var out = [];
    lines.forEach(function (line) {
      var text = line.querySelector(".log-text");
      var ts = line.querySelector(".log-ts");
      var body = text ? text.textContent : line.textContent.replace(/\n$/, "");
      out.push((withTs && ts ? ts.textContent : "") + body);
    });
    return out.join("\n") + "\n";
  }
  function flash(button, words) {
    var before = button.textContent;
    button.textContent = words;
    window.setTimeout(function () { button.textContent = before; }, 2000);
  }
  function selectLog(id, button) {
    // Without the clipboard API (a page not served over HTTPS): select the log instead.
    var log = document.getElementById(id);
    if (!log) return;
    var range = document.createRange();
    range.selectNodeContents(log);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    flash(button, "Selected: press Ctrl+C");
  }
  function copyLog(button) {
    var id = button.getAttribute("data-console-copy");
    var text = logText(id);
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(
        function () { flash(button, "Copied"); },
        function () { selectLog(id, button); }
      );
    } else {
      selectLog(id, button);
    }
  }
  function downloadLog(el) {
    var text = logText(el.getAttribute("data-console-download"));
    var name = el.getAttribute("data-download-name") || el.getAttribute("download") || "hook.log";
    var url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function atBottom(el) { return el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM; }
  function follow() {
    document.querySelectorAll(".console-log").forEach(function (log) {
      if (log.getAttribute("data-following") !== "0") log.scrollTop = log.scrollHeight;
    });
  }

  function afterChange() {
    document.querySelectorAll("[data-console][data-draft-key]").forEach(saved);
    follow();
  }
  document.body.addEventListener("htmx:oobAfterSwap", afterChange);
  document.body.addEventListener("htmx:afterSettle", afterChange);

  htmx.onLoad(function (root) {
    var boxes = [];
    if (root.matches && root.matches("[data-console][data-draft-key]")) boxes.push(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-console][data-draft-key]").forEach(function (b) { boxes.push(b); });
    var inside = consoleOf(root);
    if (inside && boxes.indexOf(inside) === -1) boxes.push(inside);
    boxes.forEach(restore);
    if (root.querySelectorAll) {
      root.querySelectorAll("[data-code-editor] textarea").forEach(renumber);
    }
    showTimestamps(timestampsOn());
  });
})();
