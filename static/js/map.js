/* The public map: django-leaflet calls volmap.init once the map exists. */
(function () {
  "use strict";
  // Thailand's extent (lat/lon), padded so that the whole country fits any screen.
  var THAILAND = [[5.6, 97.3], [20.5, 105.7]];
  // How far an approximate point may be from the place, by precision (a tambon is a few km).
  var APPROXIMATE_METRES = { tambon: 3000, amphoe: 10000, province: 40000, postcode: 10000 };

  window.volmap = {
    init: function (map) {
      map.setMaxBounds(L.latLngBounds(THAILAND).pad(0.5));
      map.fitBounds(THAILAND);
      window.volmap.map = map;
    },
    /* A detail page's small map: the point, drawn as a circle when it is approximate. */
    detail: function (map) {
      var box = map.getContainer().closest(".small-map");
      var at = L.latLng(parseFloat(box.dataset.lat), parseFloat(box.dataset.lon));
      var radius = APPROXIMATE_METRES[box.dataset.precision];
      if (radius) {
        L.circle(at, { radius: radius, weight: 1, fillOpacity: 0.15 }).addTo(map);
        map.setView(at, radius > 5000 ? 10 : 12);
      } else {
        L.marker(at).addTo(map);
        map.setView(at, 15);
      }
      window.volmap.map = map;
    },
  };
})();
