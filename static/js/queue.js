// Drag-and-drop reordering for the queue editor (no inline JS: the CSP forbids it).
// The row moves at once (optimistic); the POST's answer is the queue as the API has it,
// which replaces the list, so a refused move rolls back by itself. Keyboard and no-JS users
// have the move up/down buttons.
(function () {
  "use strict";
  var dragged = null;

  function rows(list) { return Array.prototype.slice.call(list.querySelectorAll(".queue-item")); }
  function clearMarks(list) {
    rows(list).forEach(function (r) { r.classList.remove("drop-before", "drop-after"); });
  }
  function after(row, event) {
    var box = row.getBoundingClientRect();
    return event.clientY > box.top + box.height / 2;
  }

  function init(container) {
    if (container._queueReady) return;
    container._queueReady = true;
    container.addEventListener("dragstart", function (e) {
      var row = e.target.closest && e.target.closest(".queue-item");
      if (!row) return;
      dragged = row;
      row.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", row.dataset.messageId);
    });
    container.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      dragged = null;
      clearMarks(container);
    });
    container.addEventListener("dragover", function (e) {
      var row = e.target.closest && e.target.closest(".queue-item");
      if (!dragged || !row || row === dragged) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
      clearMarks(container);
      row.classList.add(after(row, e) ? "drop-after" : "drop-before");
    });
    container.addEventListener("drop", function (e) {
      var row = e.target.closest && e.target.closest(".queue-item");
      if (!dragged || !row || row === dragged) return;
      e.preventDefault();
      var moving = dragged;
      var before = rows(container);
      var from = before.indexOf(moving);
      row.parentNode.insertBefore(moving, after(row, e) ? row.nextSibling : row);
      clearMarks(container);
      var to = rows(container).indexOf(moving);
      if (to === from) return;
      container.setAttribute("aria-busy", "true");
      function rollBack() {
        // No fresh list came back (network error, refused request): undo the move here.
        if (!container.isConnected) return;
        var list = before[0] && before[0].parentNode;
        if (list) before.forEach(function (r) { list.appendChild(r); });
        container.removeAttribute("aria-busy");
        var note = container.querySelector(".queue-move-failed");
        if (!note) {
          note = document.createElement("p");
          note.className = "banner banner-error queue-move-failed";
          note.setAttribute("role", "alert");
          container.insertBefore(note, container.firstChild);
        }
        note.textContent = "The move didn't go through; the queue is back as it was. Try again.";
      }
      htmx.ajax("POST", container.dataset.reorderUrl, {
        source: container,
        target: "#queue-list",
        swap: "outerHTML",
        values: { message_id: moving.dataset.messageId, position: String(to) },
      }).then(function () {
        // A successful answer replaced #queue-list; if it's still this one, nothing did.
        if (container.isConnected) rollBack();
      }, rollBack);
    });
  }

  // Keyboard: the list is replaced by every answer and every live refresh, which would drop
  // focus to the page. Remember which message's button had focus (a move up/down keeps it on
  // the moved message), and put it back on that message's same button after each swap.
  var remembered = null;
  function rowButton(target) {
    var row = target && target.closest && target.closest("#queue-list .queue-item");
    if (!row || target.tagName !== "BUTTON") return null;
    return { id: row.dataset.messageId, label: target.getAttribute("aria-label") };
  }
  document.addEventListener("focusin", function (e) {
    var where = rowButton(e.target);
    if (where) remembered = where;
    else if (e.target && !(e.target.closest && e.target.closest("#queue-list"))) remembered = null;
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    var active = document.activeElement;
    if (!remembered || (active && active !== document.body && active.isConnected)) return;
    var row = document.querySelector(
      '#queue-list .queue-item[data-message-id="' + CSS.escape(remembered.id) + '"]');
    if (!row) return;
    var target = (remembered.label && row.querySelector(
      'button[aria-label="' + CSS.escape(remembered.label) + '"]'))
      || row.querySelector(".queue-actions button");
    if (target) target.focus();
  });

  htmx.onLoad(function (root) {
    var found = [];
    if (root.matches && root.matches("#queue-list")) found.push(root);
    if (root.querySelectorAll) found.push.apply(found, root.querySelectorAll("#queue-list"));
    found.forEach(init);
  });
})();
