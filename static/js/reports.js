// Draw every report chart from the JSON that json_script put on the page.
(function () {
  "use strict";
  if (!window.Plotly) return;
  var lang = (document.documentElement.lang || "").toLowerCase();
  var separators = lang.indexOf("zh") === 0 || lang.indexOf("en") === 0 ? ".," : undefined;
  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var source = document.getElementById(el.dataset.figure);
    if (!source) return;
    var figure = JSON.parse(source.textContent);
    var layout = figure.layout || {};
    if (el.dataset.height) layout.height = parseInt(el.dataset.height, 10);
    if (separators) layout.separators = separators;
    // Narrow screens: smaller type and a legend that wraps under the plot.
    if (window.innerWidth < 576) {
      layout.font = Object.assign({}, layout.font, { size: 10 });
    }
    Plotly.newPlot(el, figure.data || [], layout, {
      responsive: true,
      displaylogo: false,
      displayModeBar: false,
    });
  });
})();
