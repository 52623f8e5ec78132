// The Environments pages: small enhancements, each driven by data- attributes, each working
// on content htmx swaps in later too (htmx:load). Without JavaScript every page still works:
// the editors are plain textareas, both transport parts of the MCP form are shown, and the
// server checks everything again.
//
// - [data-copy-from="#id"]: a Copy button for a revealed value.
// - textarea[data-editor="lines"]: line numbers beside a monospace editor.
// - [data-byte-count-for="<textarea id>"]: the textarea's size in UTF-8 bytes, live, against
//   its data-max-bytes; a form marked [data-max-bytes-form] isn't sent while over.
// - [data-transport-form]: shows the part ([data-transport-part="stdio" | "http sse"]) for
//   the chosen transport.
// - [data-list-editor]: [data-add-row] adds an empty row (a copy of the last), and
//   [data-remove-row] removes one.
// - [data-stale-after-edit="#textarea"]: an Apply button that needs a new preview once the
//   previewed text is edited.
// - .env-binding: shows the repository or repository set picker that the choice needs.
(function () {
  "use strict";

  var encoder = typeof TextEncoder !== "undefined" ? new TextEncoder() : null;

  function bytes(text) {
    if (encoder) return encoder.encode(text).length;
    return unescape(encodeURIComponent(text)).length;
  }

  function each(root, selector, fn) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches(selector)) fn(root);
    Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
  }

  function formatNumber(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // --- copy ---------------------------------------------------------------------------------
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-copy-from]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy-from"));
    if (!source) return;
    var text = source.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
    } else {
      selectText(source);
    }
  });

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // --- the editor with line numbers ----------------------------------------------------------
  function lineEditor(textarea) {
    if (textarea.dataset.editorReady) return;
    textarea.dataset.editorReady = "1";
    var wrap = document.createElement("div");
    wrap.className = "line-editor";
    var gutter = document.createElement("div");
    gutter.className = "line-gutter";
    gutter.setAttribute("aria-hidden", "true");
    textarea.parentNode.insertBefore(wrap, textarea);
    wrap.appendChild(gutter);
    wrap.appendChild(textarea);
    var shown = 0;
    function numbers() {
      var count = textarea.value.split("\n").length;
      if (count !== shown) {
        var out = [];
        for (var i = 1; i <= count; i++) out.push(i);
        gutter.textContent = out.join("\n");
        shown = count;
      }
      gutter.scrollTop = textarea.scrollTop;
    }
    textarea.addEventListener("input", numbers);
    textarea.addEventListener("scroll", function () { gutter.scrollTop = textarea.scrollTop; });
    // Tab inserts two spaces (Escape then Tab leaves the editor, as in most code editors).
    var escaped = false;
    textarea.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { escaped = true; return; }
      if (e.key === "Tab" && !e.shiftKey && !escaped && !textarea.disabled && !textarea.readOnly) {
        e.preventDefault();
        var start = textarea.selectionStart, end = textarea.selectionEnd;
        textarea.setRangeText("  ", start, end, "end");
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
      }
      escaped = false;
    });
    numbers();
  }

  // --- byte counts -----------------------------------------------------------------------------
  function byteCounter(counter) {
    var textarea = document.getElementById(counter.getAttribute("data-byte-count-for"));
    if (!textarea || counter.dataset.counterReady) return;
    counter.dataset.counterReady = "1";
    var max = parseInt(textarea.getAttribute("data-max-bytes"), 10) || 0;
    function update() {
      var size = bytes(textarea.value);
      var over = max && size > max;
      counter.textContent = formatNumber(size) + " of " + formatNumber(max) + " bytes" +
        (over ? ": over the 64 KB limit. Shorten it before saving." : "");
      counter.classList.toggle("is-over", !!over);
      textarea.setAttribute("aria-invalid", over ? "true" : "false");
    }
    textarea.addEventListener("input", update);
    update();
  }

  function overLimit(form) {
    var over = null;
    each(form, "textarea[data-max-bytes]", function (textarea) {
      var max = parseInt(textarea.getAttribute("data-max-bytes"), 10) || 0;
      if (max && bytes(textarea.value) > max) over = textarea;
    });
    return over;
  }

  function refuseIfOver(form, e) {
    if (!form || !form.matches || !form.matches("[data-max-bytes-form]")) return;
    var textarea = overLimit(form);
    if (!textarea) return;
    e.preventDefault();
    var counter = form.querySelector("[data-byte-count-for='" + textarea.id + "']");
    if (counter) {
      counter.classList.add("is-over");
      counter.setAttribute("role", "alert");
    }
    textarea.focus();
  }

  document.addEventListener("submit", function (e) { refuseIfOver(e.target, e); }, true);
  document.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail && e.detail.elt;
    refuseIfOver(elt && elt.closest ? elt.closest("form") : null, e);
  });

  // --- MCP transport parts ------------------------------------------------------------------
  function transportForm(form) {
    var select = form.querySelector("select[name=transport]");
    if (!select || form.dataset.transportReady) return;
    form.dataset.transportReady = "1";
    function show() {
      each(form, "[data-transport-part]", function (part) {
        var kinds = part.getAttribute("data-transport-part").split(" ");
        part.hidden = kinds.indexOf(select.value) === -1;
      });
      var note = form.querySelector(".transport-note");
      if (note) note.hidden = true;
    }
    select.addEventListener("change", show);
    show();
  }

  // --- list editors -----------------------------------------------------------------------------
  document.addEventListener("click", function (e) {
    var add = e.target.closest && e.target.closest("[data-add-row]");
    if (add) {
      var editor = add.closest("[data-list-editor]");
      var rows = editor && editor.querySelector("[data-rows]");
      var last = rows && rows.querySelector("[data-row]:last-of-type");
      if (!last) return;
      var row = last.cloneNode(true);
      Array.prototype.forEach.call(row.querySelectorAll("input"), function (input) {
        input.value = "";
        if (input.type === "password") input.placeholder = "value";
      });
      rows.appendChild(row);
      var first = row.querySelector("input");
      if (first) first.focus();
      return;
    }
    var remove = e.target.closest && e.target.closest("[data-remove-row]");
    if (remove) {
      var current = remove.closest("[data-row]");
      var list = current && current.parentNode;
      if (!list) return;
      if (list.querySelectorAll("[data-row]").length > 1) {
        var next = current.nextElementSibling || current.previousElementSibling;
        current.remove();
        var focus = next && next.querySelector("input");
        if (focus) focus.focus();
      } else {
        Array.prototype.forEach.call(current.querySelectorAll("input"), function (input) {
          input.value = "";
        });
      }
    }
  });

  // --- a preview that is out of date once its text changes --------------------------------
  function staleAfterEdit(button) {
    var textarea = document.querySelector(button.getAttribute("data-stale-after-edit"));
    if (!textarea || button.dataset.staleReady) return;
    button.dataset.staleReady = "1";
    var original = textarea.value;
    var label = button.textContent;
    textarea.addEventListener("input", function () {
      var changed = textarea.value !== original;
      button.disabled = changed;
      button.textContent = changed ? "Preview again to apply" : label;
    });
  }

  // --- repository or repository set ----------------------------------------------------------
  function bindingPicker(box) {
    if (box.dataset.bindingReady) return;
    box.dataset.bindingReady = "1";
    var radios = box.querySelectorAll("input[name=binding]");
    var repo = box.querySelector("select[name=repository]");
    var set = box.querySelector("select[name=repository_set]");
    function show() {
      var chosen = box.querySelector("input[name=binding]:checked");
      var value = chosen ? chosen.value : "none";
      if (repo) repo.closest(".field").hidden = value !== "repository";
      if (set) set.closest(".field").hidden = value !== "repository_set";
    }
    Array.prototype.forEach.call(radios, function (r) { r.addEventListener("change", show); });
    show();
  }

  function init(root) {
    each(root, "textarea[data-editor=lines]", lineEditor);
    each(root, "[data-byte-count-for]", byteCounter);
    each(root, "[data-transport-form]", transportForm);
    each(root, "[data-stale-after-edit]", staleAfterEdit);
    each(root, ".env-binding", bindingPicker);
  }

  document.addEventListener("htmx:load", function (e) { init(e.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
