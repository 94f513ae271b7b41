// Draws every chart of a dashboard from the Vega-Lite spec embedded beside it, on load
// and again after htmx swaps the redrawn part in. The vendored Vega scripts are used
// with their expression interpreter, so no eval is needed, and without the styles
// vega-embed and its tooltips would inject (dash.css has them): a strict
// Content-Security-Policy (script-src and style-src 'self') holds.
(function () {
  "use strict";
  function draw(root) {
    var holders = root.querySelectorAll ? root.querySelectorAll("[data-spec]") : [];
    Array.prototype.forEach.call(holders, function (el) {
      if (el.getAttribute("data-drawn")) { return; }
      var source = document.getElementById(el.getAttribute("data-spec"));
      if (!source || typeof vegaEmbed === "undefined") { return; }
      el.setAttribute("data-drawn", "pending");
      var spec = JSON.parse(source.textContent);
      vegaEmbed(el, spec, {
        renderer: "svg",
        actions: false,
        defaultStyle: false,
        tooltip: { disableDefaultStyle: true },
        ast: true,
        expr: vega.expressionInterpreter
      }).then(function () {
        el.setAttribute("data-drawn", "yes");
      }).catch(function (error) {
        el.setAttribute("data-drawn", "failed");
        el.textContent = "The chart could not be drawn (" + error.message + "); the table below holds its figures.";
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) { draw(event.detail.elt); });
})();
