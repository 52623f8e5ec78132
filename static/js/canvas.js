// Canvas video and audio the browser can't play (a codec or container it lacks, a file that
// didn't load). The server renders each player inside [data-canvas-media] with a hidden note
// ([data-canvas-media-error]) that names the type and links the download; this shows the note
// and hides the dead player when the element reports an error. No inline JS (the CSP forbids
// it): everything is driven by those data- attributes, for items swapped in by htmx too.
(function () {
  "use strict";
  var NETWORK = 2; // MediaError.MEDIA_ERR_NETWORK; decode / not-supported mean "can't play"

  function fail(media) {
    var box = media.closest && media.closest("[data-canvas-media]");
    if (!box || box.hasAttribute("data-canvas-media-failed")) return;
    var note = box.querySelector("[data-canvas-media-error]");
    if (!note) return;
    var reason = media.error && media.error.code === NETWORK ? "network" : "unsupported";
    note.querySelectorAll("[data-canvas-media-reason]").forEach(function (span) {
      span.hidden = span.getAttribute("data-canvas-media-reason") !== reason;
    });
    box.setAttribute("data-canvas-media-failed", reason);
    note.hidden = false;
    media.hidden = true;
  }

  function isMedia(node) {
    return node && (node.tagName === "VIDEO" || node.tagName === "AUDIO");
  }

  // Media errors don't bubble: listen in the capture phase, on the document, so players that
  // htmx swaps in later are covered without binding each one.
  document.addEventListener("error", function (event) {
    var target = event.target;
    if (isMedia(target)) fail(target);
    else if (target && target.tagName === "SOURCE" && isMedia(target.parentElement)) {
      // a <source> failed: the player is dead once it has no source left to try
      var media = target.parentElement;
      if (media.networkState === HTMLMediaElement.NETWORK_NO_SOURCE) fail(media);
    }
  }, true);

  // An error that happened before this script ran (or before a swap settled) is still on the
  // element.
  function scan(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-canvas-media] video, [data-canvas-media] audio")
      .forEach(function (media) {
        if (media.error) fail(media);
      });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  } else {
    scan(document);
  }
  document.addEventListener("htmx:load", function (event) { scan(event.target); });
})();
