/* The coordinator's coverage map. django-leaflet calls coverage.init once the map exists. Areas
 * are drawn by gap score: their simplified official boundaries when imported, otherwise circles
 * at their points sized by open needs. Uncovered needs are red points. Everything comes from the
 * coverage API with the page's filters (config in #coverage-config). */
(function () {
  "use strict";

  var COLOURS = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function colour(gap, max) {
    if (!gap) return "#d9e8df";
    var step = Math.min(COLOURS.length - 1, Math.floor((gap / (max || 1)) * COLOURS.length));
    return COLOURS[step];
  }

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(url + ": " + response.status);
        return response.json();
      });
  }

  var MAX_LABELS = 40; // more names than this would cover the map

  /* What the colours and dots mean, in the page's words. */
  function legend(map, text) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "coverage-legend");
      var scale = COLOURS.map(function (c) { return '<i style="background:' + c + '"></i>'; }).join("");
      box.innerHTML = "<strong>" + escapeHtml(text.legend) + "</strong><div class=\"scale\">" +
        '<i style="background:#d9e8df"></i>' + scale + "</div><div class=\"ends\"><span>" +
        escapeHtml(text.covered) + "</span><span>" + escapeHtml(text.gap) + "</span></div>" +
        '<div><b class="need-dot"></b> ' + escapeHtml(text.uncovered) + "</div>";
      return box;
    };
    control.addTo(map);
  }

  function init(map) {
    var config = JSON.parse(document.getElementById("coverage-config").textContent);
    var layers = {};
    var bounds = L.latLngBounds([]);
    // Thailand's extent, from the settings (common/thailand.py) through django-leaflet's options.
    map.fitBounds(map.options.djoptions.extent, { animate: false });
    legend(map, config.text);
    // Province outlines under everything: where the coloured areas lie.
    getJson(config.outlines).then(function (data) {
      L.geoJSON(data, { style: { color: "#6b7f8e", weight: 1, fill: false }, interactive: false })
        .addTo(map).bringToBack();
    });
    var popup = { maxWidth: Math.min(320, window.innerWidth - 80), autoPanPadding: [16, 16] };

    var coverageUrl = config.coverage + (config.boundaries ? "&geometry=boundary" : "");
    var areas = getJson(coverageUrl).then(function (data) {
      var max = data.features.reduce(function (m, f) { return Math.max(m, f.properties.gap_score); }, 0);
      var layer = L.geoJSON(data, {
        style: function (f) {
          return { color: "#7a1d1d", weight: 1, fillColor: colour(f.properties.gap_score, max), fillOpacity: 0.7 };
        },
        pointToLayer: function (f, at) {
          return L.circleMarker(at, {
            radius: 5 + Math.min(20, Math.sqrt(f.properties.open_needs) * 2),
            color: "#7a1d1d", weight: 1,
            fillColor: colour(f.properties.gap_score, max), fillOpacity: 0.8,
            className: "coverage-area"
          });
        },
        onEachFeature: function (f, shape) {
          layers[f.id] = shape;
          shape.bindPopup("<strong>" + escapeHtml(f.properties.name_th) + "</strong> (" +
            escapeHtml(f.properties.gap_score) + ")<br>" + escapeHtml(f.properties.explanation), popup);
          if (data.features.length <= MAX_LABELS) {
            shape.bindTooltip(escapeHtml(f.properties.name_th), {
              permanent: true, direction: "center", className: "area-label", opacity: 0.9
            });
          }
        }
      }).addTo(map);
      if (data.features.length) bounds.extend(layer.getBounds());
      document.getElementById("coverage-map").dataset.areas = data.features.length;
    });

    var needs = getJson(config.uncovered).then(function (data) {
      var layer = L.geoJSON(data, {
        pointToLayer: function (f, at) {
          return L.circleMarker(at, {
            radius: 4 + f.properties.urgency, color: "#b30000", weight: 2, fillOpacity: 0.9,
            className: "uncovered-need"
          });
        },
        onEachFeature: function (f, shape) {
          shape.bindPopup("<strong>" + escapeHtml(f.properties.title) + "</strong><br>" +
            escapeHtml(f.properties.address || ""), popup);
        }
      }).addTo(map);
      if (data.features.length) bounds.extend(layer.getBounds());
      document.getElementById("coverage-map").dataset.needs = data.features.length;
    });

    var incident = config.incident ? getJson(config.incidents).then(function (data) {
      data.features.forEach(function (f) {
        if (f.id === config.incident && f.geometry) {
          var outline = L.geoJSON(f, { style: { color: "#1f4e79", weight: 2, dashArray: "6 4", fill: false } }).addTo(map);
          bounds.extend(outline.getBounds());
        }
      });
    }) : Promise.resolve();

    Promise.all([areas, needs, incident]).then(function () {
      if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 11, padding: [20, 20] });
      document.getElementById("coverage-map").dataset.loaded = "1";
    }).catch(function (error) {
      document.getElementById("coverage-map").dataset.error = String(error);
    });

    document.querySelectorAll("#gaps li[data-code]").forEach(function (item) {
      item.tabIndex = 0;
      function show() {
        var shape = layers[item.dataset.code];
        if (!shape) return;
        map.once("moveend", function () { shape.openPopup(); });
        if (shape.getBounds) map.fitBounds(shape.getBounds()); else map.setView(shape.getLatLng(), 11);
        shape.openPopup();
      }
      item.addEventListener("click", show);
      item.addEventListener("keydown", function (event) { if (event.key === "Enter") show(); });
    });
    window.coverage.map = map;
  }

  window.coverage = { init: init };
})();
