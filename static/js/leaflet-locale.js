/* Leaflet's own controls speak the page's language. Leaflet has no translation of its own: its
 * zoom buttons' titles and its popups' close button are what a screen reader reads (and the titles
 * what a pointer's tooltip shows), its scale bar and the base map's credit what everyone sees. */
(function () {
  "use strict";
  var TITLES = {
    th: {
      zoomInTitle: "ขยายแผนที่", zoomOutTitle: "ย่อแผนที่", closePopup: "ปิดหน้าต่างนี้",
      m: " ม.", km: " กม.", osm: "ผู้ร่วมสร้าง $1",
    },
    en: {
      zoomInTitle: "Zoom in", zoomOutTitle: "Zoom out", closePopup: "Close popup",
      m: " m", km: " km", osm: "$1 contributors",
    },
  };
  var lang = (document.documentElement.lang || "th").slice(0, 2);
  var text = TITLES[lang] || TITLES.th;
  L.setOptions(L.Control.Zoom.prototype, { zoomInTitle: text.zoomInTitle, zoomOutTitle: text.zoomOutTitle });
  // The scale bar's units (Leaflet 1.9's own drawing of the bar, with the page's words).
  L.Control.Scale.include({
    _updateMetric: function (maxMeters) {
      var meters = this._getRoundNum(maxMeters);
      var label = meters < 1000 ? meters + text.m : meters / 1000 + text.km;
      this._updateScale(this._mScale, label, meters / maxMeters);
    },
  });
  // The base map's credit, as OpenStreetMap asks for it, in the page's language.
  L.TileLayer.addInitHook(function () {
    var credit = this.options.attribution;
    if (credit) this.options.attribution = credit.replace(/((?:<a [^>]*>)?OpenStreetMap(?:<\/a>)?) contributors/, text.osm);
  });
  // A popup's close button: Leaflet names it in English for screen readers.
  L.Map.addInitHook(function () {
    this.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) close.setAttribute("aria-label", text.closePopup);
    });
  });
})();
