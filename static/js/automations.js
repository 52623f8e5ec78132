// The Automations pages: small enhancements driven by data- attributes, working on content
// htmx swaps in later too (htmx.onLoad). Without JavaScript every page still works: the cron
// schedule is the raw expression and the zone, the enabled switch has a Save button, and the
// server checks everything again.
//
// - Every page: the browser's IANA zone goes into the `portal_tz` cookie, so the server
//   shows times in the viewer's zone.
// - [data-cron-card]: the visual cron builder ([data-cron-builder]) and the raw expression
//   ([data-cron-raw]) kept in sync both ways. Editing the builder writes the expression;
//   typing the expression moves the builder (or says "custom") and never rewrites the text.
//   Each change fires an `input` event on the expression, which posts the preview.
//   The mapping mirrors portal/automations/cron.py `Builder` (its tests are the reference).
// - .cron-zone[data-browser-default]: a new automation's zone starts as the browser's.
// - [data-auto-toggle]: the enabled switch flips its label at once (optimistic); the server's
//   answer replaces it (and puts it back, with why, if it was refused).
// - [data-auto-copy="#id"]: a Copy button for the webhook URL, token and curl example.
// - [data-tag-list]: the tags typed in a text field, shown as chips ([data-tag-chips]).
// - #executions: the runs list polls itself (poll.js); a payload opened stays open across it.
(function () {
  "use strict";

  var COOKIE = "portal_tz";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";
    }
  }

  function rememberZone() {
    var zone = browserZone();
    if (!zone || !/^[A-Za-z0-9_+\-\/]+$/.test(zone)) return;
    var current = document.cookie.split("; ").filter(function (c) {
      return c.indexOf(COOKIE + "=") === 0;
    })[0];
    if (current === COOKIE + "=" + zone) return;
    // IANA names are cookie-safe as they are (letters, digits, _ + - /): no encoding.
    document.cookie = COOKIE + "=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
  }
  rememberZone();

  function each(root, selector, fn) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches(selector)) fn(root);
    Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
  }

  // --- the cron builder: the same mapping as cron.Builder --------------------------------------
  var MODES = ["minutes", "hours", "daily", "weekly", "monthly"];
  var MACROS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *"
  };
  var DAY_NAMES = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };

  function num(text, low, high) {
    if (!/^\d{1,2}$/.test(text)) return null;
    var value = parseInt(text, 10);
    return value >= low && value <= high ? value : null;
  }

  function step(text, high) {
    if (text === "*") return 1;
    if (text.indexOf("*/") === 0) return num(text.slice(2), 1, high);
    return null;
  }

  function weekday(text) {
    if (Object.prototype.hasOwnProperty.call(DAY_NAMES, text)) return DAY_NAMES[text];
    return num(text, 0, 7);
  }

  function parseWeekdays(text) {
    var days = {};
    var parts = text.split(",");
    for (var i = 0; i < parts.length; i++) {
      var bounds = parts[i].split("-");
      if (bounds.length > 2) return null;
      var values = bounds.map(weekday);
      if (values.some(function (v) { return v === null; })) return null;
      if (values.length === 1) {
        days[values[0] % 7] = true;
      } else {
        if (values[1] < values[0]) return null;
        for (var d = values[0]; d <= values[1]; d++) days[d % 7] = true;
      }
    }
    var out = Object.keys(days).map(Number).sort(function (a, b) { return a - b; });
    return out.length ? out : null;
  }

  function weekdayField(days) {
    var values = days.slice().sort(function (a, b) { return a - b; });
    var parts = [];
    var i = 0;
    while (i < values.length) {
      var j = i;
      while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
      if (j - i >= 2) {
        parts.push(values[i] + "-" + values[j]);
      } else {
        for (var k = i; k <= j; k++) parts.push(String(values[k]));
      }
      i = j + 1;
    }
    return parts.join(",");
  }

  // The builder's reading of an expression, or null ("custom").
  function fromExpression(expression) {
    var text = (expression || "").trim().split(/\s+/).join(" ");
    text = MACROS[text.toLowerCase()] || text;
    var parts = text.toUpperCase().split(" ");
    if (parts.length !== 5) return null;
    var minute = parts[0], hour = parts[1], dom = parts[2], month = parts[3], dow = parts[4];
    if (month !== "*") return null;
    var every;
    if (hour === "*" && dom === "*" && dow === "*") {
      every = step(minute, 59);
      if (every !== null) return { mode: "minutes", every: every };
    }
    var m = num(minute, 0, 59);
    if (m === null) return null;
    if (dom === "*" && dow === "*") {
      every = step(hour, 23);
      if (every !== null) return { mode: "hours", every: every, minute: m };
    }
    var h = num(hour, 0, 23);
    if (h === null) return null;
    if (dom === "*" && dow === "*") return { mode: "daily", minute: m, hour: h };
    if (dom === "*") {
      var days = parseWeekdays(dow);
      return days === null ? null : { mode: "weekly", minute: m, hour: h, weekdays: days };
    }
    if (dow === "*") {
      var d = num(dom, 1, 31);
      return d === null ? null : { mode: "monthly", minute: m, hour: h, day: d };
    }
    return null;
  }

  // The canonical expression for a builder state, or null when it can't be one.
  function toExpression(b) {
    function within(v, low, high) { return typeof v === "number" && !isNaN(v) && v >= low && v <= high; }
    if (b.mode === "minutes") {
      if (!within(b.every, 1, 59)) return null;
      return b.every === 1 ? "* * * * *" : "*/" + b.every + " * * * *";
    }
    if (!within(b.minute, 0, 59)) return null;
    if (b.mode === "hours") {
      if (!within(b.every, 1, 23)) return null;
      return b.minute + " " + (b.every === 1 ? "*" : "*/" + b.every) + " * * *";
    }
    if (!within(b.hour, 0, 23)) return null;
    if (b.mode === "daily") return b.minute + " " + b.hour + " * * *";
    if (b.mode === "weekly") {
      if (!b.weekdays || !b.weekdays.length) return null;
      return b.minute + " " + b.hour + " * * " + weekdayField(b.weekdays);
    }
    if (b.mode === "monthly") {
      if (!within(b.day, 1, 31)) return null;
      return b.minute + " " + b.hour + " " + b.day + " * *";
    }
    return null;
  }

  function cronCard(card) {
    if (card.dataset.cronReady) return;
    card.dataset.cronReady = "1";
    var builder = card.querySelector("[data-cron-builder]");
    var raw = card.querySelector("[data-cron-raw]");
    if (!builder || !raw) return;
    builder.hidden = false;
    var mode = builder.querySelector('[data-b="mode"]');
    var every = builder.querySelector('[data-b="every"]');
    var minute = builder.querySelector('[data-b="minute"]');
    var time = builder.querySelector('[data-b="time"]');
    var day = builder.querySelector('[data-b="day"]');
    var days = Array.prototype.slice.call(builder.querySelectorAll('[data-b="weekday"]'));
    var custom = builder.querySelector("[data-cron-custom]");
    var unit = builder.querySelector("[data-every-unit]");

    function showFor(current) {
      each(builder, "[data-show]", function (el) {
        el.hidden = el.getAttribute("data-show").split(" ").indexOf(current) < 0;
      });
      custom.hidden = current !== "custom";
      if (unit) unit.textContent = current === "hours" ? "hours" : "minutes";
      every.max = current === "hours" ? "23" : "59";
    }

    function readBuilder() {
      var parts = (time.value || "").split(":");
      return {
        mode: mode.value,
        every: parseInt(every.value, 10),
        minute: mode.value === "hours" ? parseInt(minute.value, 10) : parseInt(parts[1], 10),
        hour: parseInt(parts[0], 10),
        day: parseInt(day.value, 10),
        weekdays: days.filter(function (c) { return c.checked; }).map(function (c) { return parseInt(c.value, 10); })
      };
    }

    function pad(n) { return (n < 10 ? "0" : "") + n; }

    // Show an expression in the builder (never touching the text the user typed).
    function showExpression(expression) {
      var b = fromExpression(expression);
      if (!b) {
        mode.value = "custom";
        showFor("custom");
        return;
      }
      mode.value = b.mode;
      if (b.every !== undefined) every.value = b.every;
      if (b.minute !== undefined) {
        minute.value = b.minute;
        var hour = b.hour !== undefined ? b.hour : (parseInt((time.value || "09:00").split(":")[0], 10) || 0);
        time.value = pad(hour) + ":" + pad(b.minute);
      }
      if (b.day !== undefined) day.value = b.day;
      if (b.weekdays) days.forEach(function (c) { c.checked = b.weekdays.indexOf(parseInt(c.value, 10)) >= 0; });
      showFor(b.mode);
    }

    function writeExpression() {
      if (mode.value === "custom") {
        showFor("custom");
        return;
      }
      showFor(mode.value);
      var expression = toExpression(readBuilder());
      if (expression === null || expression === raw.value) return;
      raw.value = expression;
      raw.dispatchEvent(new Event("input", { bubbles: true }));
    }

    builder.addEventListener("change", function (e) {
      if (e.target.matches("[data-b]")) writeExpression();
    });
    builder.addEventListener("input", function (e) {
      if (e.target.matches('input[data-b="every"], input[data-b="minute"], input[data-b="day"]')) writeExpression();
    });
    builder.addEventListener("click", function (e) {
      var preset = e.target.closest && e.target.closest("[data-cron-preset]");
      if (!preset) return;
      raw.value = preset.getAttribute("data-cron-preset");
      showExpression(raw.value);
      raw.dispatchEvent(new Event("input", { bubbles: true }));
    });
    raw.addEventListener("input", function (e) {
      if (e.isTrusted) showExpression(raw.value);
    });
    showExpression(raw.value);

    var zoneBox = card.querySelector(".cron-zone[data-browser-default]");
    var zone = card.querySelector("[data-cron-zone]");
    if (zoneBox && zone) {
      zoneBox.removeAttribute("data-browser-default");
      var mine = browserZone();
      var known = document.querySelector('#tz-names option[value="' + (window.CSS && CSS.escape ? CSS.escape(mine) : mine) + '"]');
      if (mine && known && zone.value !== mine) {
        zone.value = mine;
        zone.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }
  }

  // --- the enabled switch -------------------------------------------------------------------
  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box.matches || !box.matches("[data-auto-toggle] input[type=checkbox]")) return;
    var form = box.closest("[data-auto-toggle]");
    var label = form.querySelector(".switch-label");
    if (label) label.textContent = box.checked ? label.getAttribute("data-on") : label.getAttribute("data-off");
    var note = form.querySelector(".toggle-note");
    if (note) {
      note.textContent = "Saving…";
      note.className = "toggle-note muted";
    }
    form.classList.add("saving");
  });

  // --- copy ---------------------------------------------------------------------------------
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-auto-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-auto-copy"));
    if (!source) return;
    var text = source.textContent;
    var label = button.textContent;
    function done(words) {
      button.textContent = words;
      setTimeout(function () { button.textContent = label; }, 2000);
    }
    function select() {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      done("Selected: press Ctrl+C");
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done("Copied"); }, select);
    } else {
      select();
    }
  });

  // --- tag lists ----------------------------------------------------------------------------
  function tags(text) {
    var seen = [];
    (text || "").replace(/,/g, " ").split(/\s+/).forEach(function (tag) {
      if (tag && seen.indexOf(tag) < 0) seen.push(tag);
    });
    return seen;
  }

  function tagList(input) {
    if (input.dataset.tagReady) return;
    input.dataset.tagReady = "1";
    var field = input.closest(".field");
    var chips = field && field.nextElementSibling && field.nextElementSibling.matches("[data-tag-chips]")
      ? field.nextElementSibling : null;
    if (!chips) return;
    input.addEventListener("input", function () {
      chips.textContent = "";
      tags(input.value).forEach(function (tag) {
        var li = document.createElement("li");
        li.className = "badge tag-chip";
        li.textContent = tag;
        chips.appendChild(li);
      });
    });
  }

  // --- runs: keep opened payloads open when the list refreshes ------------------------------
  var openPayloads = [];
  function rememberOpen(e) {
    var target = e.detail && e.detail.target;
    if (!target || target.id !== "executions") return;
    openPayloads = Array.prototype.map.call(
      target.querySelectorAll("details.execution-payload[open]"), function (d) { return d.id; }
    );
  }
  document.addEventListener("htmx:beforeSwap", rememberOpen);
  document.addEventListener("htmx:oobBeforeSwap", rememberOpen);

  function reopen(section) {
    openPayloads.forEach(function (id) {
      var details = document.getElementById(id);
      if (details && section.contains(details)) details.open = true;
    });
  }

  htmx.onLoad(function (root) {
    each(root, "[data-cron-card]", cronCard);
    each(root, "[data-tag-list]", tagList);
    each(root, "#executions", reopen);
  });
})();
