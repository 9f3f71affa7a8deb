/* The public map: django-leaflet calls volmap.init once the map exists. */
(function () {
  "use strict";
  // Thailand's extent (lat/lon), padded so that the whole country fits any screen.
  var THAILAND = [[5.6, 97.3], [20.5, 105.7]];

  window.volmap = {
    init: function (map) {
      map.setMaxBounds(L.latLngBounds(THAILAND).pad(0.5));
      map.fitBounds(THAILAND);
      window.volmap.map = map;
    },
  };
})();
