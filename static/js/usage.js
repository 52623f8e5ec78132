// The usage page's charts: Chart.js (static/vendor/chartjs, MIT), loaded only when a page
// has a chart, with this script's CSP nonce. The numbers come from the canvas's
// `data-series` (JSON); the table beside each chart holds the same numbers.
(function () {
  "use strict";
  var nonce = document.currentScript && document.currentScript.nonce;
  var src = document.currentScript && document.currentScript.dataset.chartjs;
  var loading = null;

  function library() {
    if (window.Chart) return Promise.resolve(window.Chart);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = src;
        if (nonce) s.nonce = nonce;
        s.onload = function () { resolve(window.Chart); };
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  function draw(Chart, canvas) {
    var data = JSON.parse(canvas.dataset.series || "null");
    if (!data) return;
    var old = Chart.getChart(canvas);
    if (old) old.destroy();
    var line = data.kind === "line";
    new Chart(canvas, {
      type: data.kind,
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s) {
          return {
            label: s.name, data: s.values, backgroundColor: s.colour, borderColor: s.colour,
            borderWidth: line ? 2 : 0, pointRadius: line ? 2 : 0, tension: 0.2,
          };
        }),
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: data.stacked, ticks: { autoSkip: true, maxRotation: 0 } },
          y: { stacked: data.stacked, beginAtZero: true, title: { display: true, text: data.unit } },
        },
        plugins: { legend: { position: "bottom" } },
      },
    });
    canvas.dataset.chartLabels = String(data.labels.length);
  }

  htmx.onLoad(function (root) {
    var canvases = [];
    if (root.matches && root.matches("canvas[data-chart]")) canvases.push(root);
    if (root.querySelectorAll) canvases.push.apply(canvases, root.querySelectorAll("canvas[data-chart]"));
    if (!canvases.length) return;
    library().then(function (Chart) { canvases.forEach(function (c) { draw(Chart, c); }); });
  });
})();
