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
      var from = rows(container).indexOf(moving);
      row.parentNode.insertBefore(moving, after(row, e) ? row.nextSibling : row);
      clearMarks(container);
      var to = rows(container).indexOf(moving);
      if (to === from) return;
      container.setAttribute("aria-busy", "true");
      htmx.ajax("POST", container.dataset.reorderUrl, {
        source: container,
        target: "#queue-list",
        swap: "outerHTML",
        values: { message_id: moving.dataset.messageId, position: String(to) },
      });
    });
  }

  htmx.onLoad(function (root) {
    var found = [];
    if (root.matches && root.matches("#queue-list")) found.push(root);
    if (root.querySelectorAll) found.push.apply(found, root.querySelectorAll("#queue-list"));
    found.forEach(init);
  });
})();
