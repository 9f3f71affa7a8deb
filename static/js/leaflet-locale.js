/* Leaflet's own controls speak the page's language. Leaflet has no translation of its own, and its
 * zoom buttons' titles are what a screen reader reads and what a pointer's tooltip shows. */
(function () {
  "use strict";
  var TITLES = {
    th: { zoomInTitle: "ขยายแผนที่", zoomOutTitle: "ย่อแผนที่" },
    en: { zoomInTitle: "Zoom in", zoomOutTitle: "Zoom out" },
  };
  var lang = (document.documentElement.lang || "th").slice(0, 2);
  L.setOptions(L.Control.Zoom.prototype, TITLES[lang] || TITLES.th);
})();
