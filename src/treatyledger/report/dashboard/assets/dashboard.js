// TreatyLedger dashboard: the only script. It draws the interactive charts from the JSON
// data blocks next to them (plotly.js, served by this node). Without it every page still
// works: the charts fall back to their PNG.
"use strict";

function drawCharts() {
  if (typeof window.Plotly === "undefined") {
    return;
  }
  document.querySelectorAll("figure.chart[data-plot]").forEach(function (figure) {
    var data = document.getElementById(figure.getAttribute("data-plot"));
    var target = figure.querySelector(".plot");
    if (!data || !target) {
      return;
    }
    var spec = JSON.parse(data.textContent);
    figure.classList.add("js-plot");
    window.Plotly.newPlot(target, spec.data, spec.layout, {
      responsive: true, displaylogo: false, modeBarButtonsToRemove: ["toImage"]
    }).then(function () {
      figure.setAttribute("data-drawn", "true");
    });
  });
}

window.addEventListener("DOMContentLoaded", function () {
  drawCharts();
});
