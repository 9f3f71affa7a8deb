/* The good-deeds map. django-leaflet calls volmap.init (the home page) or volmap.detail (a
 * detail page's small map) once the map exists. Tiles are GeoJSON from /tiles/: clusters at low
 * zoom, points up close. Filters and the view live in the URL, so a map can be shared and the
 * back button works. */
(function () {
  "use strict";

  // Thailand's extent (lat/lon), padded so that the whole country fits any screen.
  var THAILAND = [[5.6, 97.3], [20.5, 105.7]];
  // How far an approximate point may be from the place, by precision (a tambon is a few km).
  var APPROXIMATE_METRES = { tambon: 3000, amphoe: 10000, province: 40000, postcode: 10000 };
  var MAX_BBOX_SQUARE_DEGREES = 25;

  var config, map, markers, outlines, searchCircle, search = null;
  var tileCache = {};
  var generation = 0;
  var listTimer = null;

  function $(id) {
    return document.getElementById(id);
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function formatDate(iso) {
    if (!iso) return "";
    var date = new Date(iso + "T00:00:00");
    // Thai dates use the Buddhist Era: the th-TH locale's own calendar.
    return new Intl.DateTimeFormat(config.lang === "th" ? "th-TH" : "en-GB", { dateStyle: "medium" }).format(date);
  }

  function dates(p) {
    if (!p.starts_on) return config.text.ongoing;
    var start = formatDate(p.starts_on);
    return p.ends_on && p.ends_on !== p.starts_on ? start + " – " + formatDate(p.ends_on) : start;
  }

  function title(p) {
    return config.lang === "en" && p.title_en ? p.title_en : p.title;
  }

  function organization(p) {
    if (typeof p.organization === "object" && p.organization) {
      return config.lang === "en" && p.organization.name_en ? p.organization.name_en : p.organization.name_th;
    }
    return config.lang === "en" && p.organization_en ? p.organization_en : p.organization;
  }

  function kilometres(metres) {
    return config.text.km.replace("{km}", (metres / 1000).toFixed(1));
  }

  // --- filters and the URL ----------------------------------------------------------------------

  function filterParams() {
    var form = $("filters");
    var params = new URLSearchParams();
    var causes = Array.prototype.filter.call(form.elements.cause, function (box) { return box.checked; })
      .map(function (box) { return box.value; });
    if (causes.length) params.set("cause", causes.join(","));
    ["skill", "date_from", "date_to"].forEach(function (name) {
      if (form.elements[name].value) params.set(name, form.elements[name].value);
    });
    ["remote", "family_friendly"].forEach(function (name) {
      if (form.elements[name].checked) params.set(name, "true");
    });
    return params;
  }

  function setFilters(params) {
    var form = $("filters");
    var causes = (params.get("cause") || "").split(",");
    Array.prototype.forEach.call(form.elements.cause, function (box) { box.checked = causes.indexOf(box.value) >= 0; });
    ["skill", "date_from", "date_to"].forEach(function (name) { form.elements[name].value = params.get(name) || ""; });
    ["remote", "family_friendly"].forEach(function (name) { form.elements[name].checked = params.get(name) === "true"; });
    $("near-q").value = params.get("q") || "";
  }

  function stateUrl() {
    var params = filterParams();
    var centre = map.getCenter();
    params.set("lat", centre.lat.toFixed(5));
    params.set("lon", centre.lng.toFixed(5));
    params.set("z", map.getZoom());
    if (search && search.query) params.set("q", search.query);
    return location.pathname + "?" + params.toString();
  }

  function applyUrl() {
    var params = new URLSearchParams(location.search);
    setFilters(params);
    var lat = parseFloat(params.get("lat")), lon = parseFloat(params.get("lon")), z = parseInt(params.get("z"), 10);
    if (isFinite(lat) && isFinite(lon) && isFinite(z)) {
      map.setView([lat, lon], z, { animate: false });
    }
    clearSearch();
    if (params.get("q")) searchNear(params.get("q"), false);
    refresh();
  }

  // --- tiles ---------------------------------------------------------------------------------------

  function tilesInView(z) {
    var bounds = map.getBounds();
    var nw = map.project(bounds.getNorthWest(), z).divideBy(256).floor();
    var se = map.project(bounds.getSouthEast(), z).divideBy(256).floor();
    var last = Math.pow(2, z) - 1, tiles = [];
    for (var x = Math.max(0, nw.x); x <= Math.min(last, se.x); x++) {
      for (var y = Math.max(0, nw.y); y <= Math.min(last, se.y); y++) tiles.push([z, x, y]);
    }
    return tiles;
  }

  function fetchTile(tile, query) {
    var url = config.tiles.replace("{z}", tile[0]).replace("{x}", tile[1]).replace("{y}", tile[2]) + (query ? "?" + query : "");
    if (!tileCache[url]) {
      tileCache[url] = fetch(url).then(function (response) {
        if (!response.ok) throw new Error(url + ": " + response.status);
        return response.json();
      }).catch(function (error) {
        delete tileCache[url];
        throw error;
      });
    }
    return tileCache[url];
  }

  function refresh() {
    var z = Math.max(0, Math.min(config.max_zoom, Math.round(map.getZoom())));
    var query = filterParams().toString();
    var mine = ++generation;
    Promise.all(tilesInView(z).map(function (tile) { return fetchTile(tile, query); }))
      .then(function (collections) {
        if (mine !== generation) return;
        markers.clearLayers();
        collections.forEach(function (collection) {
          collection.features.forEach(function (feature) {
            var at = L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]);
            markers.addLayer(feature.properties.cluster ? clusterMarker(at, feature.properties) : pointMarker(at, feature.properties));
          });
        });
        map.getContainer().dataset.markers = String(markers.getLayers().length);
      })
      .catch(function (error) { showMessage(config.text.tiles_failed); console.warn(error); });
    scheduleList();
  }

  function clusterMarker(at, p) {
    var digits = String(p.count).length;
    var size = 26 + 8 * Math.min(digits, 4);
    var label = config.text.cluster.replace("{n}", p.count.toLocaleString());
    var marker = L.marker(at, {
      icon: L.divIcon({ className: "cluster", html: "<span>" + p.count.toLocaleString() + "</span>", iconSize: [size, size] }),
      title: label,
      alt: label,
      keyboard: true,
      riseOnHover: true,
    });
    marker.on("click", function () { map.setView(at, Math.min(map.getZoom() + 2, config.max_zoom)); });
    marker.on("keypress", function (event) {
      if (event.originalEvent.key === "Enter") map.setView(at, Math.min(map.getZoom() + 2, config.max_zoom));
    });
    return marker;
  }

  function pointMarker(at, p) {
    var approximate = !(p.precision === "exact" || p.precision === "remote");
    var marker = L.circleMarker(at, {
      radius: 8,
      color: "#0b7a53",
      weight: 2,
      fillColor: "#0b7a53",
      fillOpacity: approximate ? 0.15 : 0.9,
      dashArray: approximate ? "4 3" : null,
      className: approximate ? "point approximate" : "point exact",
    });
    marker.bindPopup(function () { return popup(at, p, approximate); });
    return marker;
  }

  function popup(at, p, approximate) {
    var lines = [
      "<strong>" + escapeHtml(title(p)) + "</strong>",
      escapeHtml(organization(p)),
      escapeHtml(dates(p)),
    ];
    if (search) lines.push(escapeHtml(kilometres(map.distance(search.centre, at))));
    if (approximate) lines.push("<em>" + escapeHtml(config.text.approximate) + "</em>");
    lines.push('<a href="' + config.detail.replace("{id}", encodeURIComponent(p.id)) + '">' + escapeHtml(config.text.details) + "</a>");
    return lines.join("<br>");
  }

  // --- the list beside the map ---------------------------------------------------------------------

  function scheduleList() {
    if (search) return;
    clearTimeout(listTimer);
    listTimer = setTimeout(listViewport, 250);
  }

  function listViewport() {
    var params = filterParams();
    var b = map.getBounds();
    var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    var heading = config.text.in_area;
    if ((east - west) * (north - south) <= MAX_BBOX_SQUARE_DEGREES) {
      params.set("bbox", [west, south, east, north].map(function (v) { return v.toFixed(5); }).join(","));
    } else {
      heading = config.text.newest;
    }
    params.set("page_size", "20");
    fetch(config.api + "?" + params.toString())
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (search) return;
        $("results-heading").textContent = heading;
        renderList(body.features || []);
      });
  }

  function renderList(features) {
    var list = $("results");
    list.innerHTML = "";
    if (!features.length) {
      var empty = document.createElement("li");
      empty.textContent = config.text.nothing;
      list.appendChild(empty);
    }
    features.forEach(function (feature) {
      var p = feature.properties;
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = config.detail.replace("{id}", encodeURIComponent(p.id));
      link.textContent = title(p);
      item.appendChild(link);
      var about = [organization(p), dates(p)];
      if (p.distance_km != null) about.push(kilometres(p.distance_km * 1000));
      item.appendChild(document.createTextNode(" · " + about.join(" · ")));
      list.appendChild(item);
    });
  }

  // --- near me ----------------------------------------------------------------------------------------

  function showMessage(text) {
    $("near-message").textContent = text || "";
  }

  function clearSearch() {
    search = null;
    if (searchCircle) map.removeLayer(searchCircle);
    searchCircle = null;
    showMessage("");
  }

  function searchNear(near, remember) {
    var params = filterParams();
    params.set("near", near);
    params.set("radius_km", String(config.radius_km));
    params.set("page_size", "20");
    showMessage(config.text.searching);
    return fetch(config.api + "?" + params.toString())
      .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
      .then(function (answer) {
        if (!answer.ok) {
          var detail = answer.body.near || answer.body.detail || answer.body;
          showMessage(config.text.not_found + " " + (Array.isArray(detail) ? detail.join(" ") : String(detail)));
          return;
        }
        var about = answer.body.search;
        var centre = L.latLng(about.near[0], about.near[1]);
        clearSearch();
        search = { centre: centre, query: typeof near === "string" && near.indexOf(",") < 0 ? near : null };
        searchCircle = L.circle(centre, { radius: config.radius_km * 1000, weight: 1, fillOpacity: 0.05 }).addTo(map);
        map.fitBounds(searchCircle.getBounds());
        $("results-heading").textContent = config.text.nearest.replace("{km}", config.radius_km);
        renderList(answer.body.features);
        showMessage(config.text.found.replace("{n}", answer.body.features.length));
        if (remember) history.pushState(null, "", stateUrl());
      })
      .catch(function () { showMessage(config.text.not_found); });
  }

  // --- start -----------------------------------------------------------------------------------------

  function init(leafletMap) {
    config = JSON.parse($("map-config").textContent);
    map = leafletMap;
    map.setMaxBounds(L.latLngBounds(THAILAND).pad(0.5));
    map.fitBounds(THAILAND);
    outlines = L.geoJSON(null, { style: { color: "#6b7f8e", weight: 1, fill: false }, interactive: false }).addTo(map);
    markers = L.layerGroup().addTo(map);
    fetch(config.outlines).then(function (r) { return r.json(); }).then(function (data) { outlines.addData(data); });

    $("filters").addEventListener("change", function () {
      history.pushState(null, "", stateUrl());
      if (search && search.query) searchNear(search.query, false);
      refresh();
    });
    $("filters").addEventListener("reset", function () {
      setTimeout(function () { history.pushState(null, "", stateUrl()); refresh(); }, 0);
    });
    $("near").addEventListener("submit", function (event) {
      event.preventDefault();
      var q = $("near-q").value.trim();
      if (q) searchNear(q, true);
    });
    $("near-me").addEventListener("click", function () {
      if (!navigator.geolocation) return showMessage(config.text.no_location);
      navigator.geolocation.getCurrentPosition(
        function (position) { searchNear(position.coords.latitude.toFixed(5) + "," + position.coords.longitude.toFixed(5), true); },
        function () { showMessage(config.text.no_location); }
      );
    });
    map.on("moveend", function () {
      history.replaceState(null, "", stateUrl());
      refresh();
    });
    window.addEventListener("popstate", applyUrl);
    window.volmap.map = map;
    applyUrl();
    if (config.incident) showIncident(config.incident);
  }

  /* Disaster mode: the incident's affected area outlined, and the view on it unless the URL
   * already names one. */
  function showIncident(incident) {
    fetch(incident.url).then(function (r) { return r.json(); }).then(function (feature) {
      if (!feature.geometry) return;
      var area = L.geoJSON(feature, {
        style: { color: "#1f4e79", weight: 2, dashArray: "6 4", fillOpacity: 0.08 },
        interactive: false
      }).addTo(map);
      if (!new URLSearchParams(location.search).get("z")) map.fitBounds(area.getBounds());
      window.volmap.incidentArea = area;
    });
  }

  /* A detail page's small map: the point, drawn as a circle when it is approximate. */
  function detail(leafletMap) {
    var box = leafletMap.getContainer().closest(".small-map");
    var at = L.latLng(parseFloat(box.dataset.lat), parseFloat(box.dataset.lon));
    var radius = APPROXIMATE_METRES[box.dataset.precision];
    if (radius) {
      L.circle(at, { radius: radius, weight: 1, fillOpacity: 0.15 }).addTo(leafletMap);
      leafletMap.setView(at, radius > 5000 ? 10 : 12);
    } else {
      L.marker(at).addTo(leafletMap);
      leafletMap.setView(at, 15);
    }
    window.volmap.map = leafletMap;
  }

  /* The profile's map: the stored home area as a 1 km square's circle; a click sets the form's
   * home_lat / home_lon (the server keeps only the ~1 km grid cell around it). */
  function home(leafletMap) {
    var box = leafletMap.getContainer().closest(".profile-map");
    var lat = document.getElementById("id_home_lat");
    var lon = document.getElementById("id_home_lon");
    var shown = null;
    function show(at, zoom) {
      if (shown) { leafletMap.removeLayer(shown); }
      shown = L.circle(at, { radius: 600, weight: 1, fillOpacity: 0.2 }).addTo(leafletMap);
      if (zoom) { leafletMap.setView(at, zoom); }
    }
    if (box.dataset.lat) {
      show(L.latLng(parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)), 12);
    } else {
      leafletMap.setView([13.0, 101.0], 5);
    }
    leafletMap.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(6);
      lon.value = event.latlng.lng.toFixed(6);
      show(event.latlng);
    });
    window.volmap.map = leafletMap;
  }

  window.volmap = { init: init, detail: detail, home: home, refresh: function () { refresh(); } };
})();
