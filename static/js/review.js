// Review tools (portal/reviews/): comments on diff lines, files and canvas items, kept as the
// reviewer's draft on the server. No inline JS (CSP): everything is driven by data- attributes
// rendered by templates/reviews/*.html, for panels swapped in by htmx too.
//
// - A click on a line number selects that line; Shift+click or a drag selects a range; the
//   new-comment form (cloned from <template id="review-comment-template">) opens under it.
// - Keyboard: "Comment on lines…" opens the same form with line fields; "Comment on this
//   file", and on canvas items "Comment on this item" / a button per Markdown block.
// - The draft's cards are rendered in #review; this moves each under what it is about (a
//   line, a file, a Markdown block, an item). Cards whose place isn't shown stay in the list.
(function () {
  "use strict";

  function box() { return document.getElementById("review"); }

  function sameAttr(el, name, value) { return (el.getAttribute(name) || "") === (value || ""); }

  function fileFor(repo, path) {
    var files = document.querySelectorAll("details.diff-file[data-review-path]");
    for (var i = 0; i < files.length; i++) {
      if (sameAttr(files[i], "data-review-repo", repo) && sameAttr(files[i], "data-review-path", path)) return files[i];
    }
    return null;
  }

  function canvasItem(name) {
    var items = document.querySelectorAll(".canvas-item[data-review-item]");
    for (var i = 0; i < items.length; i++) if (sameAttr(items[i], "data-review-item", name)) return items[i];
    return null;
  }

  function isSplit(table) { return table.classList.contains("diff-table--split"); }
  function columns(table) { return isSplit(table) ? 4 : 3; }

  // The number cell of a row for a side ("old" / "new").
  function numCell(row, side) {
    var nums = row.querySelectorAll("td.diff-num");
    if (isSplit(row.closest("table"))) return nums[side === "old" ? 0 : 1] || null;
    return nums[side === "old" ? 0 : 1] || null;
  }
  function lineNo(row, side) {
    var cell = numCell(row, side);
    var n = cell && cell.getAttribute("data-n");
    return n ? parseInt(n, 10) : null;
  }
  function codeCell(row, side) {
    var codes = row.querySelectorAll("td.diff-code");
    if (isSplit(row.closest("table"))) return codes[side === "old" ? 0 : 1] || null;
    return codes[0] || null;
  }

  function rowFor(file, side, line) {
    var rows = file.querySelectorAll("tr.diff-line, tr.diff-row");
    for (var i = 0; i < rows.length; i++) if (lineNo(rows[i], side) === line) return rows[i];
    return null;
  }

  function inlineRow(after, cls, content) {
    var table = after.closest("table");
    var tr = document.createElement("tr");
    tr.className = cls;
    var td = document.createElement("td");
    td.colSpan = columns(table);
    td.appendChild(content);
    tr.appendChild(td);
    after.parentNode.insertBefore(tr, after.nextSibling);
    return tr;
  }

  // The last of the cards already placed right after `el` (or `el`): a card goes after them.
  function afterPlaced(el) {
    while (el.nextElementSibling && el.nextElementSibling.classList.contains("review-inline")) el = el.nextElementSibling;
    return el;
  }

  function blockAfter(anchor, cls, content, inside) {
    var div = document.createElement("div");
    div.className = cls;
    div.appendChild(content);
    if (inside) anchor.insertBefore(div, anchor.firstChild);
    else anchor.parentNode.insertBefore(div, anchor.nextSibling);
    return div;
  }

  // --- placing the draft's cards ---------------------------------------------------------

  function place() {
    var review = box();
    if (!review) return;
    var list = review.querySelector("[data-review-comments]");
    // Cards placed before go back to the list, unless the server just sent a fresh #review
    // (data-review-fresh: it brought every card of the draft itself). A page restored from
    // htmx's history has its cards where they were placed, and no fresh mark.
    var fresh = list && list.hasAttribute("data-review-fresh");
    if (list) list.removeAttribute("data-review-fresh");
    document.querySelectorAll(".review-inline").forEach(function (el) {
      var card = el.querySelector("[data-review-comment]");
      if (card && list && !fresh && !list.querySelector("#" + CSS.escape(card.id))) list.appendChild(card);
      el.remove();
    });
    document.querySelectorAll(".review-new").forEach(function (el) {
      if (!el.querySelector("form")) el.remove();
    });
    if (!document.querySelector(".review-new")) {
      document.querySelectorAll(".is-review-selected").forEach(function (r) { r.classList.remove("is-review-selected"); });
    }
    // Markdown blocks by index, taken before any card goes in between them (a new-comment
    // form still open between two blocks is not one).
    document.querySelectorAll(".canvas-md").forEach(function (md) {
      md.reviewBlocks = Array.prototype.filter.call(md.children, function (el) {
        return !el.classList.contains("review-new");
      });
    });
    var cards = list ? Array.prototype.slice.call(list.querySelectorAll("[data-review-comment]")) : [];
    var added = cards.filter(function (card) { return known && known.indexOf(card.id) < 0; });
    known = cards.map(function (card) { return card.id; });
    cards.forEach(function (card) {
      var kind = card.getAttribute("data-review-comment");
      if (kind === "lines" || kind === "file") {
        var file = fileFor(card.getAttribute("data-review-repo"), card.getAttribute("data-review-path"));
        if (!file) return;
        if (kind === "file") {
          var tools = file.querySelector("[data-review-tools]");
          if (tools) blockAfter(afterPlaced(tools), "review-inline", card);
          return;
        }
        var side = card.getAttribute("data-review-side") || "new";
        var row = rowFor(file, side, parseInt(card.getAttribute("data-review-line"), 10));
        // The code moved or changed since the comment was written: it stays in the list,
        // marked outdated (its quote says what it was about).
        var quoted = card.querySelector(".review-quote");
        var was = quoted ? quoted.textContent.split("\n") : null;
        var code = row && codeCell(row, side);
        var now = code ? (code.getAttribute("data-sign") || " ") + code.textContent : null;
        var shown = file.querySelector("table.diff-table"); // a file too large shows no lines
        card.classList.toggle("is-outdated", !!shown && (!row || (was !== null && was.indexOf(now) < 0)));
        if (!row || card.classList.contains("is-outdated")) return;
        inlineRow(afterPlaced(row), "review-inline", card); // after those already under it
      } else if (kind === "canvas") {
        var item = canvasItem(card.getAttribute("data-review-item"));
        if (!item) return;
        var para = card.getAttribute("data-review-paragraph");
        var md = item.querySelector(".canvas-md");
        if (para !== "" && md) {
          var block = md.reviewBlocks[parseInt(para, 10)];
          if (block) blockAfter(afterPlaced(block), "review-inline", card);
        } else {
          var head = item.querySelector(".canvas-head");
          if (head) blockAfter(afterPlaced(head), "review-inline", card);
        }
      }
    });
    if (focusNew && added.length === 1) {
      focusNew = false;
      added[0].focus();
    }
  }

  // --- the new-comment form ----------------------------------------------------------------

  var known = null; // the ids of the cards last placed
  var focusNew = false; // a new-comment form was just sent: focus its card once placed
  // After an edit (Save, Cancel) or a delete, what gets the focus once the answer is in: the
  // comment (once it is no longer a form), or, once the deleted one is gone, the buttons of
  // the file or item it was about (else the review's heading).
  var focusNext = null; // {id} or {el, id, gone}
  document.addEventListener("htmx:beforeRequest", function (e) {
    var target = e.target;
    if (!target.closest) return;
    if (target.closest("form.review-comment-form")) focusNew = true;
    var editing = target.closest(".review-comment--editing");
    if (editing) focusNext = { id: editing.id };
    var card = target.closest("form[data-review-delete]") && target.closest("[data-review-comment]");
    if (card) {
      var where = card.closest("details.diff-file, .canvas-item");
      focusNext = { el: where && where.querySelector("[data-review-add]"), id: "review-title", gone: card.id };
    }
    // "Preview and send review…": the preview, to read; Send: what became of it.
    if (target.closest("[data-review-preview-open]")) focusNext = { id: "review-preview" };
    if (target.closest("form.review-send-form")) focusNext = { id: "review-sent-note", alt: "review-send-error" };
  });

  function settleFocus() {
    if (!focusNext || (focusNext.gone && document.getElementById(focusNext.gone))) return;
    var el = focusNext.el && focusNext.el.isConnected ? focusNext.el : document.getElementById(focusNext.id);
    if (!el && focusNext.alt) el = document.getElementById(focusNext.alt);
    if (!el || el.matches("form")) return; // still editing (the text was refused)
    focusNext = null;
    el.focus();
  }

  function newForm(fields, label) {
    var template = document.getElementById("review-comment-template");
    if (!template) return null;
    var form = template.content.firstElementChild.cloneNode(true);
    Object.keys(fields).forEach(function (name) {
      var input = form.querySelector('[name="' + name + '"]');
      if (input) input.value = fields[name] == null ? "" : String(fields[name]);
    });
    form.querySelector("[data-review-form-anchor]").textContent = label;
    return form;
  }

  function open(form, holder) {
    if (window.htmx) window.htmx.process(holder);
    var text = form.querySelector("[data-review-body]");
    var first = form.querySelector("[data-review-lines]:not([hidden]) input") || text;
    if (first) first.focus();
  }

  // Close new-comment forms: `only` one (Cancel, Escape), or every one nothing was typed in
  // (opening another: typed text is never thrown away by a click elsewhere).
  function closeForms(only) {
    document.querySelectorAll(".review-new").forEach(function (el) {
      var text = el.querySelector("[data-review-body]");
      if (only ? el === only : !(text && text.value.trim())) el.remove();
    });
    document.querySelectorAll(".is-review-selected").forEach(function (r) { r.classList.remove("is-review-selected"); });
  }

  function fileInfo(file) {
    return { repository: file.getAttribute("data-review-repo") || "", path: file.getAttribute("data-review-path") || "" };
  }

  function linesLabel(path, start, end, side) {
    return "Comment on " + path + ":" + (start === end ? start : start + "-" + end) + (side === "old" ? " (old side)" : "");
  }

  // The rows between two rows of one table, in order.
  function rowsBetween(a, b) {
    var rows = Array.prototype.slice.call(a.closest("table").querySelectorAll("tr.diff-line, tr.diff-row"));
    var i = rows.indexOf(a), j = rows.indexOf(b);
    if (i > j) { var t = i; i = j; j = t; }
    return rows.slice(i, j + 1);
  }

  function quoteOf(rows, side) {
    var split = rows.length && isSplit(rows[0].closest("table"));
    var lines = [];
    rows.forEach(function (row) {
      var code = codeCell(row, side);
      if (!code || code.classList.contains("diff-empty")) return;
      if (split && lineNo(row, side) === null) return;
      lines.push((code.getAttribute("data-sign") || " ") + code.textContent);
    });
    return lines.join("\n");
  }

  function rangeOf(rows, side) {
    var numbers = [];
    rows.forEach(function (row) { var n = lineNo(row, side); if (n !== null) numbers.push(n); });
    if (!numbers.length) return null;
    return { start: Math.min.apply(null, numbers), end: Math.max.apply(null, numbers) };
  }

  var selection = null; // {file, side, anchor, last, dragging}

  function sideOfCell(cell) {
    var row = cell.closest("tr");
    var nums = Array.prototype.slice.call(row.querySelectorAll("td.diff-num"));
    var side = nums.indexOf(cell) === 0 ? "old" : "new";
    if (lineNo(row, side) === null) side = side === "old" ? "new" : "old";
    return lineNo(row, side) === null ? null : side;
  }

  function highlight(rows) {
    document.querySelectorAll(".is-review-selected").forEach(function (r) { r.classList.remove("is-review-selected"); });
    rows.forEach(function (r) { r.classList.add("is-review-selected"); });
  }

  function openLines() {
    if (!selection) return;
    var rows = rowsBetween(selection.anchor, selection.last);
    var side = selection.side;
    var range = rangeOf(rows, side);
    if (!range) return;
    highlight(rows);
    var info = fileInfo(selection.file);
    var form = newForm({
      kind: "lines", repository: info.repository, path: info.path, side: side,
      start_line: range.start, end_line: range.end, quote: quoteOf(rows, side)
    }, linesLabel(info.path, range.start, range.end, side));
    if (!form) return;
    closeForms(null);
    highlight(rows);
    var last = afterPlaced(rows[rows.length - 1]);
    var holder = inlineRow(last, "review-new", form);
    open(form, holder);
  }

  document.addEventListener("mousedown", function (e) {
    var cell = e.target.closest && e.target.closest("details.diff-file[data-review-path] td.diff-num");
    if (!cell || e.button !== 0) return;
    var side = sideOfCell(cell);
    if (!side) return;
    var row = cell.closest("tr"), file = cell.closest("details.diff-file");
    e.preventDefault(); // no text selection while picking lines
    if (e.shiftKey && selection && selection.file === file) {
      selection.last = row;
    } else {
      selection = { file: file, side: side, anchor: row, last: row };
    }
    selection.dragging = true;
    highlight(rowsBetween(selection.anchor, selection.last));
  });
  document.addEventListener("mouseover", function (e) {
    if (!selection || !selection.dragging) return;
    var row = e.target.closest && e.target.closest("tr.diff-line, tr.diff-row");
    if (row && selection.file.contains(row) && row.closest("table") === selection.anchor.closest("table")) {
      selection.last = row;
      highlight(rowsBetween(selection.anchor, selection.last));
    }
  });
  document.addEventListener("mouseup", function () {
    if (!selection || !selection.dragging) return;
    selection.dragging = false;
    openLines();
  });

  // Buttons: comment on a file, on a range typed in, on a canvas item or block; cancel.
  document.addEventListener("click", function (e) {
    var target = e.target;
    if (!target.closest) return;
    var cancel = target.closest("[data-review-cancel]");
    if (cancel) { closeForms(cancel.closest(".review-new")); return; }
    var add = target.closest("[data-review-add]");
    if (!add) return;
    var how = add.getAttribute("data-review-add");
    var form, holder;
    if (how === "file" || how === "range") {
      var file = add.closest("details.diff-file");
      var info = fileInfo(file);
      if (how === "file") {
        form = newForm({ kind: "file", repository: info.repository, path: info.path }, "Comment on " + info.path + " (whole file)");
      } else {
        form = newForm({ kind: "lines", repository: info.repository, path: info.path, side: "new" }, "Comment on lines of " + info.path);
        if (form) {
          form.querySelector("[data-review-lines]").hidden = false;
          form.setAttribute("data-review-range", "");
        }
      }
      if (!form) return;
      closeForms(null);
      holder = blockAfter(add.closest("[data-review-tools]"), "review-new", form);
      open(form, holder);
    } else if (how === "item" || how === "block") {
      var item = add.closest(".canvas-item");
      var name = item.getAttribute("data-review-item");
      var fields = { kind: "canvas", canvas_item: name };
      var label = "Comment on " + name;
      var after;
      if (how === "block") {
        var block = add.closest(".canvas-md > *");
        var md = block.parentNode;
        var index = Array.prototype.indexOf.call(md.children, block);
        // The block's index among the rendered blocks (cards placed in between don't count).
        var real = 0;
        for (var i = 0; i < index; i++) if (!md.children[i].classList.contains("review-inline") && !md.children[i].classList.contains("review-new")) real++;
        var clone = block.cloneNode(true);
        clone.querySelectorAll(".review-block-add").forEach(function (b) { b.remove(); });
        var text = clone.textContent.trim();
        var heading = /^H[1-6]$/.test(block.tagName) ? "#".repeat(parseInt(block.tagName[1], 10)) + " " : "";
        fields.paragraph = real;
        fields.quote = heading + text;
        label += heading ? ", heading " + (real + 1) : ", paragraph " + (real + 1);
        after = afterPlaced(block);
      } else {
        after = item.querySelector(".canvas-head");
      }
      form = newForm(fields, label);
      if (!form) return;
      var media = item.querySelector("video, audio");
      if (how === "item" && media) {
        form.querySelector("[data-review-time]").hidden = false;
        form.querySelector('[name="timestamp"]').value = media.currentTime ? media.currentTime.toFixed(1) : "";
      }
      closeForms(null);
      holder = blockAfter(after, "review-new", form);
      open(form, holder);
    }
  });

  // A range typed in: quote the code of those lines (on the side chosen) as the diff shows it.
  function typedRange(e) {
    var form = e.target.closest && e.target.closest("form[data-review-range]");
    if (!form) return;
    var file = form.closest("details.diff-file");
    var side = form.querySelector("[data-review-side-choice]").value === "old" ? "old" : "new";
    form.querySelector('[name="side"]').value = side;
    var start = parseInt(form.querySelector('[name="start_line"]').value, 10);
    var end = parseInt(form.querySelector('[name="end_line"]').value, 10) || start;
    var quote = form.querySelector('[name="quote"]');
    quote.value = "";
    if (!file || !start) return;
    var a = rowFor(file, side, Math.min(start, end)), b = rowFor(file, side, Math.max(start, end));
    if (a && b) quote.value = quoteOf(rowsBetween(a, b), side);
  }
  document.addEventListener("input", typedRange);
  document.addEventListener("change", typedRange);

  // Escape closes the new-comment form it is pressed in.
  document.addEventListener("keydown", function (e) {
    var pending = e.target.closest && e.target.closest(".review-new");
    if (pending && e.key === "Escape") closeForms(pending);
    // Ctrl+Enter (⌘+Enter) adds the comment, as in the chat's composer.
    var form = e.target.closest && e.target.closest("form.review-comment-form");
    if (form && e.key === "Enter" && (e.ctrlKey || e.metaKey) && form.requestSubmit) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  // Marked viewed: fold the file, as it is done with.
  document.addEventListener("change", function (e) {
    var box = e.target.closest && e.target.closest("[data-review-viewed]");
    if (box && box.checked) {
      var file = box.closest("details.diff-file");
      if (file) file.open = false;
    }
  });

  // Canvas: a "Comment" button on each Markdown block and one on the item.
  function decorate(root) {
    (root.querySelectorAll ? root : document).querySelectorAll(".canvas-item[data-review-item]").forEach(function (item) {
      if (!document.getElementById("review") || item.hasAttribute("data-review-ready")) return;
      item.setAttribute("data-review-ready", "");
      var head = item.querySelector(".canvas-head");
      if (head) {
        var whole = document.createElement("button");
        whole.type = "button";
        whole.className = "link review-item-add";
        whole.setAttribute("data-review-add", "item");
        whole.textContent = item.querySelector("video, audio") ? "Comment at this time" : "Comment on this item";
        head.appendChild(whole);
      }
      var md = item.querySelector(".canvas-md");
      if (!md) return;
      Array.prototype.forEach.call(md.children, function (block, i) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "review-block-add";
        button.setAttribute("data-review-add", "block");
        button.setAttribute("aria-label", "Comment on " + (/^H[1-6]$/.test(block.tagName) ? "heading " : "paragraph ") + (i + 1));
        button.textContent = "+";
        block.appendChild(button);
      });
    });
  }

  function refresh(root) {
    decorate(root || document);
    place();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { refresh(document); });
  else refresh(document);
  document.addEventListener("htmx:load", function (e) {
    var el = e.target;
    if (el.id === "review" || el.querySelector && (el.querySelector("#review") || el.querySelector(".canvas-item, details.diff-file"))) refresh(el);
    if (el.matches && el.matches("form.review-comment--editing")) {
      var text = el.querySelector("textarea");
      if (text) {
        text.focus();
        text.setSelectionRange(text.value.length, text.value.length);
      }
    }
    settleFocus();
  });
})();
