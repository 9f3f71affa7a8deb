/* Leaflet's own controls speak the page's language. Leaflet has no translation of its own, and its
 * zoom buttons' titles and its popups' close button are what a screen reader reads (and the titles
 * what a pointer's tooltip shows). */
(function () {
  "use strict";
  var TITLES = {
    th: { zoomInTitle: "ขยายแผนที่", zoomOutTitle: "ย่อแผนที่", closePopup: "ปิดหน้าต่างนี้" },
    en: { zoomInTitle: "Zoom in", zoomOutTitle: "Zoom out", closePopup: "Close popup" },
  };
  var lang = (document.documentElement.lang || "th").slice(0, 2);
  var text = TITLES[lang] || TITLES.th;
  L.setOptions(L.Control.Zoom.prototype, { zoomInTitle: text.zoomInTitle, zoomOutTitle: text.zoomOutTitle });
  // A popup's close button: Leaflet names it in English for screen readers.
  L.Map.addInitHook(function () {
    this.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) close.setAttribute("aria-label", text.closePopup);
    });
  });
})();
