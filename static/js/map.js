/* The good-deeds map. django-leaflet calls volmap.init (the home page), volmap.detail (a detail
 * page's small map) or volmap.home (the profile's "where I live" map) once the map exists.
 * Tiles are GeoJSON from /tiles/: clusters at low zoom, points up close. The search, the filters
 * and the view live in the URL, so that a map can be shared and the back button undoes. */
(function () {
  "use strict";

  // Thailand's extent [[south, west], [north, east]]: the settings' one (common/thailand.py),
  // which django-leaflet hands every map as options.djoptions.extent.
  var THAILAND = null;
  function thailand(leafletMap) {
    THAILAND = leafletMap.options.djoptions.extent;
  }
  // How far an approximate point may be from the place, by precision (a tambon is a few km).
  var APPROXIMATE_METRES = { tambon: 3000, amphoe: 10000, province: 40000, postcode: 10000 };
  var MAX_BBOX_SQUARE_DEGREES = 25;
  var CELL_PIXELS = 32; // the server clusters in 8 × 8 cells of a 256-pixel tile
  var SMALL_CLUSTER = 5; // a cluster this small opens as a list instead of zooming
  // Popups clear the zoom buttons when the map pans to show them.
  var POPUP = { maxWidth: Math.min(320, window.innerWidth - 110), autoPanPaddingTopLeft: [56, 16], autoPanPaddingBottomRight: [16, 16] };
  var MAX_LISTED = 50; // a cluster that cannot be zoomed into lists this many

  var config, map, markers, orgMarkers, outlines, searchCircle, search = null;
  var asked = "";
  var appliedFilters = ""; // the filters the map and the address last showed // the words of the search in progress or done, kept in the address meanwhile
  var tileCache = {};
  var generation = 0, searchGeneration = 0, clusterGeneration = 0;
  var listTimer = null;
  var viewFromUrl = false;
  var reading = false, moved = false; // a popup is open; the view changed meanwhile
  var resizedView = null; // the view as a resize left it (its centre kept), until its moveend
  var searchFailed = false; // the list says why the search found nothing: keep it

  function $(id) {
    return document.getElementById(id);
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
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

  /* To a tenth of a kilometre, as the list page and the opportunity's page say it. */
  function kilometres(metres) {
    return say(config.text.km, { km: (metres / 1000).toFixed(1) });
  }

  function label(place) {
    return config.lang === "en" ? place.label_en || place.label_th : place.label_th || place.label_en;
  }

  function detailUrl(id) {
    return config.detail.replace("{id}", encodeURIComponent(id));
  }

  // --- messages ----------------------------------------------------------------------------------

  function showMessage(text, kind) {
    var box = $("near-message");
    box.textContent = text || "";
    box.className = "message" + (kind ? " " + kind : "");
  }

  function showFilterMessage(text) {
    $("filter-message").textContent = text || "";
  }

  /* An API address in the page's language: the API's messages (a place not found, why a place
   * is offered) are then the page's; it speaks Thai without `lang`. */
  function apiUrl(base, params) {
    params.set("lang", config.lang);
    return base + "?" + params.toString();
  }

  function apiError(body) {
    // The API's 400s name the parameter: {"near": ["…"]} or {"detail": "…"}; the words are the
    // request's language already.
    if (!body || typeof body !== "object") return config.text.failed;
    var messages = [];
    Object.keys(body).forEach(function (key) {
      var value = body[key];
      messages = messages.concat(Array.isArray(value) ? value : [value]);
    });
    return messages.join(" ") || config.text.failed;
  }

  // --- filters and the URL ------------------------------------------------------------------------

  function filterParams() {
    var form = $("filters");
    var params = new URLSearchParams();
    var causes = Array.prototype.filter.call(form.elements.cause, function (box) { return box.checked; })
      .map(function (box) { return box.value; });
    if (causes.length) params.set("cause", causes.join(","));
    ["q", "skill", "date_from", "date_to"].forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    });
    ["remote", "family_friendly"].forEach(function (name) {
      if (form.elements[name].checked) params.set(name, "true");
    });
    return params;
  }

  function countFilters() {
    var n = 0;
    filterParams().forEach(function (value, key) { n += key === "cause" ? value.split(",").length : 1; });
    $("filter-count").textContent = n ? "(" + n + ")" : "";
  }

  /* A field the person has changed from the page as served: typed before the map had loaded,
   * or given back by the browser on returning to the page. */
  function touched(field) {
    if (field.options) { // as served: the option marked selected, else the first
      var served = Array.prototype.filter.call(field.options, function (o) { return o.defaultSelected; })[0] || field.options[0];
      return field.value !== (served ? served.value : "");
    }
    if (field.type === "checkbox") return field.checked !== field.defaultChecked;
    return field.value !== field.defaultValue;
  }

  /* The form as the address says; with keepTouched, what the person already put in a field stays
   * (a phone still loading the map must not erase what they typed). True when a filter was kept. */
  function setFilters(params, keepTouched) {
    var form = $("filters"), kept = false;
    function put(field, value) {
      if (keepTouched && touched(field)) { kept = true; return; }
      if (field.type === "checkbox") field.checked = value; else field.value = value;
    }
    var causes = (params.get("cause") || "").split(",");
    Array.prototype.forEach.call(form.elements.cause, function (box) { put(box, causes.indexOf(box.value) >= 0); });
    ["q", "skill", "date_from", "date_to"].forEach(function (name) { put(form.elements[name], params.get(name) || ""); });
    ["remote", "family_friendly"].forEach(function (name) { put(form.elements[name], params.get(name) === "true"); });
    var keptFilter = kept;
    put($("near-q"), params.get("near") || "");
    var radius = parseInt(params.get("r"), 10);
    put($("near-radius"), String(config.radii.indexOf(radius) >= 0 ? radius : config.radius_km));
    appliedFilters = filterParams().toString();
    countFilters();
    return keptFilter;
  }

  /* Dates a person typed that cannot be searched: said in words, and nothing is fetched. */
  function filterProblem() {
    var form = $("filters");
    var from = form.elements.date_from, to = form.elements.date_to;
    var problem = "";
    [from, to].forEach(function (input) {
      if (problem) return;
      var year = parseInt(input.value.slice(0, 4), 10);
      // 2443–2643 is 1900–2100 in the Buddhist Era, the year Thai people write first.
      if (year >= 2443 && year <= 2643) problem = say(config.text.buddhist_year, { year: year, ce: year - 543 });
      else if (input.validity.badInput || (input.value && (input.value < "2000-01-01" || input.value > "2100-12-31"))) problem = config.text.date_range;
    });
    if (problem) return problem;
    if (from.value && to.value && to.value < from.value) return config.text.dates_reversed;
    to.min = from.value || "2000-01-01"; // the date picker then offers no day before the first
    return "";
  }

  function yearBeingTyped() {
    var form = $("filters");
    return [form.elements.date_from, form.elements.date_to].some(function (input) {
      return input.value && input.value.slice(0, 4) < "1000";
    });
  }

  function radius() {
    return parseInt($("near-radius").value, 10) || config.radius_km;
  }

  function stateUrl() {
    var params = filterParams();
    if (filterProblem()) { params.delete("date_from"); params.delete("date_to"); } // half-typed
    if (asked) {
      params.set("near", asked);
      params.set("r", String(radius()));
    }
    var shown = shownLayers();
    if (shown !== "opportunities") params.set("layers", shown);
    var centre = map.getCenter();
    params.set("lat", centre.lat.toFixed(5));
    params.set("lon", centre.lng.toFixed(5));
    params.set("z", map.getZoom());
    return location.pathname + "?" + params.toString();
  }

  function viewKey() {
    var centre = map.getCenter();
    return centre.lat.toFixed(5) + "," + centre.lng.toFixed(5) + "," + map.getZoom();
  }

  function updateLinks() {
    var params = filterParams();
    var saved = new URLSearchParams();
    if (search) {
      saved.set("place", search.query);
      saved.set("radius_km", String(radius()));
    }
    (params.get("cause") || "").split(",").filter(Boolean).forEach(function (c) { saved.append("causes", c); });
    if (params.get("skill")) saved.append("skills", params.get("skill"));
    if (params.get("remote")) saved.set("include_remote", "on");
    $("save-search").href = config.saved_searches + "?" + saved.toString();
    $("list-only").href = config.list_page + "?" + listParams().toString();
  }

  function listParams() {
    var params = filterParams();
    if (search) {
      params.set("near", search.query); // the words, so that the list names the place too
      params.set("radius_km", String(radius()));
    }
    return params;
  }

  function remember(replace) {
    var url = stateUrl();
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
    updateLinks();
    // The language switch opens this same view, searched and filtered, in the other language.
    Array.prototype.forEach.call(document.querySelectorAll("form.language input[name=next]"), function (next) {
      next.value = next.value.split("?")[0] + location.search;
    });
  }

  /* The view the address names. On the page's first load the fields the person has touched are
   * kept (true is returned when a filter was); on going back and forth in history the address wins. */
  function applyUrl(firstLoad) {
    var params = new URLSearchParams(location.search);
    var kept = setFilters(params, firstLoad);
    setLayers(params.get("layers"));
    clearSearch();
    // Before the view moves: the move rewrites this entry's address with the search it holds.
    asked = params.get("near") || "";
    var lat = parseFloat(params.get("lat")), lon = parseFloat(params.get("lon")), z = parseInt(params.get("z"), 10);
    if (isFinite(lat) && isFinite(lon) && isFinite(z)) {
      map.setView([lat, lon], z, { animate: false });
    } else if (!firstLoad && !asked) {
      map.fitBounds(THAILAND, { animate: false }); // the page as first opened
    }
    if (asked) searchNear(asked, { remember: false, keepView: isFinite(z) });
    refresh();
    updateLinks();
    return kept;
  }

  // --- layers: opportunities, organizations -------------------------------------------------------

  function shownLayers() {
    return ["opportunities", "organizations"].filter(function (name) {
      return $("layer-" + name).checked;
    }).join(",") || "none";
  }

  function setLayers(value) {
    var shown = (value || "opportunities").split(",");
    ["opportunities", "organizations"].forEach(function (name) {
      $("layer-" + name).checked = shown.indexOf(name) >= 0;
    });
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

  function fetchTile(tile, query, template) {
    var url = (template || config.tiles).replace("{z}", tile[0]).replace("{x}", tile[1]).replace("{y}", tile[2]) + (query ? "?" + query : "");
    if (!tileCache[url]) {
      tileCache[url] = fetch(url).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(apiError(body));
          return body;
        }, function () { throw new Error(config.text.failed); });
      }).catch(function (error) {
        delete tileCache[url];
        throw error;
      });
    }
    return tileCache[url];
  }

  function refresh() {
    refreshOrganizations();
    if (!$("layer-opportunities").checked) {
      ++generation;
      markers.clearLayers();
      map.getContainer().dataset.total = "0";
      scheduleList();
      return;
    }
    var problem = filterProblem();
    // A year being typed (0002, 0020, 0202…) is not yet a mistake: nothing is said, nothing searched.
    showFilterMessage(yearBeingTyped() ? "" : problem);
    if (problem) {
      // Said once, beside the dates; the list only says that nothing was searched.
      markers.clearLayers();
      if (search) showMessage("");
      renderList([], config.text.fix_dates);
      return;
    }
    var z = Math.max(0, Math.min(config.max_zoom, Math.round(map.getZoom())));
    var query = filterParams().toString();
    var mine = ++generation;
    Promise.all(tilesInView(z).map(function (tile) { return fetchTile(tile, query); }))
      .then(function (collections) {
        if (mine !== generation) return;
        if (reading) { moved = true; return; }
        draw(collections, z);
      })
      .catch(function (error) {
        if (mine !== generation) return;
        markers.clearLayers();
        showFilterMessage(error.message);
        if (!search) renderList([], error.message);
      });
    scheduleList();
  }

  /* Clusters that would overlap on screen are drawn as one; points at the same place as one
   * marker that lists them. Nothing is ever hidden under another marker. */
  function draw(collections, z) {
    var clusters = [], points = {}, seen = {};
    collections.forEach(function (collection) {
      collection.features.forEach(function (feature) {
        var at = L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]);
        var p = feature.properties;
        if (p.cluster) {
          clusters.push({ at: at, count: p.count, bounds: cellBounds(at, z) });
        } else {
          if (seen[p.id]) return; // a point near a tile's edge comes with both tiles
          seen[p.id] = true;
          var key = at.lat.toFixed(6) + "," + at.lng.toFixed(6);
          (points[key] = points[key] || { at: at, items: [] }).items.push(p);
        }
      });
    });
    markers.clearLayers();
    merge(clusters).forEach(function (c) { markers.addLayer(clusterMarker(c)); });
    Object.keys(points).forEach(function (key) { markers.addLayer(pointMarker(points[key])); });
    var total = clusters.reduce(function (sum, c) { return sum + c.count; }, 0);
    Object.keys(points).forEach(function (key) { total += points[key].items.length; });
    map.getContainer().dataset.markers = String(markers.getLayers().length);
    map.getContainer().dataset.total = String(total);
    map.getContainer().dataset.zoom = String(z); // the zoom these markers were drawn for
  }

  function cellBounds(at, z) {
    var pixel = map.project(at, z).divideBy(CELL_PIXELS).floor().multiplyBy(CELL_PIXELS);
    return L.latLngBounds(map.unproject(pixel, z), map.unproject(pixel.add([CELL_PIXELS, CELL_PIXELS]), z));
  }

  function clusterSize(count) {
    return 30 + 6 * Math.min(String(count).length, 4);
  }

  function merge(clusters) {
    clusters.sort(function (a, b) { return b.count - a.count; });
    var merged = [];
    clusters.forEach(function (c) {
      var here = map.latLngToLayerPoint(c.at);
      var into = merged.find(function (m) {
        var gap = map.latLngToLayerPoint(m.at).distanceTo(here);
        return gap < (clusterSize(m.count) + clusterSize(c.count)) / 2 + 4;
      });
      if (!into) {
        merged.push({ at: c.at, count: c.count, bounds: L.latLngBounds(c.bounds.getSouthWest(), c.bounds.getNorthEast()) });
        return;
      }
      var total = into.count + c.count;
      into.at = L.latLng((into.at.lat * into.count + c.at.lat * c.count) / total, (into.at.lng * into.count + c.at.lng * c.count) / total);
      into.count = total;
      into.bounds.extend(c.bounds);
    });
    return merged;
  }

  function clusterMarker(c) {
    var size = clusterSize(c.count);
    var text = c.count <= SMALL_CLUSTER ? config.text.cluster_list : config.text.cluster;
    var label = say(text, { n: c.count.toLocaleString() });
    var marker = L.marker(c.at, {
      icon: L.divIcon({ className: "cluster", html: "<span>" + c.count.toLocaleString() + "</span>", iconSize: [size, size] }),
      title: label,
      alt: label,
      keyboard: true,
      riseOnHover: true,
    });
    marker.on("click", function () { openCluster(c); });
    return marker;
  }

  /* A small cluster lists what is in it; a larger one zooms to its own extent. */
  function listsInstead(c) {
    return c.count <= SMALL_CLUSTER || map.getZoom() >= config.max_zoom;
  }

  function openCluster(c) {
    if (!listsInstead(c)) {
      map.fitBounds(c.bounds, { maxZoom: config.max_zoom, padding: [24, 24] });
      return;
    }
    var b = c.bounds;
    var params = filterParams();
    params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(","));
    params.set("page_size", String(Math.min(c.count, MAX_LISTED)));
    var mine = ++clusterGeneration; // only the cluster clicked last opens
    fetch(apiUrl(config.api, params))
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (mine !== clusterGeneration) return;
        var items = (body.features || []).map(function (f) { return f.properties; });
        // The map's one popup, at the cluster: the marker may have been redrawn meanwhile.
        L.popup(listPopupOptions()).setLatLng(c.at).setContent(listPopup(items, c.at)).openOn(map);
      });
  }

  /* Organizations: their own tiles (every published one, no filter), clustered alike, drawn
   * as squares beside the opportunities' circles. */
  var orgGeneration = 0;
  function refreshOrganizations() {
    var mine = ++orgGeneration;
    if (!$("layer-organizations").checked) {
      orgMarkers.clearLayers();
      map.getContainer().dataset.organizations = "0";
      return;
    }
    var z = Math.max(0, Math.min(config.max_zoom, Math.round(map.getZoom())));
    Promise.all(tilesInView(z).map(function (tile) { return fetchTile(tile, "", config.org_tiles); }))
      .then(function (collections) {
        if (mine !== orgGeneration) return;
        drawOrganizations(collections, z);
      })
      .catch(function () { if (mine === orgGeneration) orgMarkers.clearLayers(); });
  }

  function drawOrganizations(collections, z) {
    var clusters = [], points = {}, seen = {}, total = 0;
    collections.forEach(function (collection) {
      collection.features.forEach(function (feature) {
        var at = L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]);
        var p = feature.properties;
        if (p.cluster) clusters.push({ at: at, count: p.count, bounds: cellBounds(at, z) });
        else if (!seen[p.id]) {
          // Organizations at the same place are one square that lists them.
          seen[p.id] = true;
          var key = at.lat.toFixed(6) + "," + at.lng.toFixed(6);
          (points[key] = points[key] || { at: at, items: [] }).items.push(p);
        }
      });
    });
    orgMarkers.clearLayers();
    merge(clusters).forEach(function (c) {
      total += c.count;
      var size = clusterSize(c.count);
      var label = orgCount(c.count);
      var marker = L.marker(c.at, {
        icon: L.divIcon({ className: "cluster org", html: "<span>" + c.count.toLocaleString() + "</span>", iconSize: [size, size] }),
        title: label,
        alt: label,
        keyboard: true,
      });
      marker.on("click", function () { openOrgCluster(c); });
      orgMarkers.addLayer(marker);
    });
    Object.keys(points).forEach(function (key) {
      var group = points[key], many = group.items.length > 1;
      total += group.items.length;
      var name = many ? orgCount(group.items.length) : orgName(group.items[0]);
      var marker = L.marker(group.at, {
        icon: many
          ? L.divIcon({ className: "cluster org", html: "<span>" + group.items.length + "</span>", iconSize: [32, 32] })
          : L.divIcon({ className: "org-point", iconSize: [20, 20] }),
        title: name,
        alt: name,
        keyboard: true,
      });
      marker.bindPopup(function () { return orgPopup(group.items); }, listPopupOptions());
      orgMarkers.addLayer(marker);
    });
    map.getContainer().dataset.organizations = String(total);
  }

  function openOrgCluster(c) {
    if (!listsInstead(c)) {
      map.fitBounds(c.bounds, { maxZoom: config.max_zoom, padding: [24, 24] });
      return;
    }
    var b = c.bounds;
    var params = new URLSearchParams();
    params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(","));
    params.set("page_size", String(Math.min(c.count, MAX_LISTED)));
    fetch(apiUrl(config.org_api, params))
      .then(function (response) { return response.json(); })
      .then(function (body) {
        var items = (body.features || []).map(function (f) { return f.properties; });
        L.popup(listPopupOptions()).setLatLng(c.at).setContent(orgPopup(items)).openOn(map);
      });
  }

  function orgName(p) {
    return config.lang === "en" && p.name_en ? p.name_en : p.name_th;
  }

  function orgPopup(items) {
    return '<ul class="popup-list">' + items.map(function (p) {
      var tier = p.partner ? config.text.partner : p.verified ? config.text.verified : "";
      return '<li><a href="' + config.org_page.replace("{id}", p.id) + '">' + escapeHtml(orgName(p)) + "</a><br><small>" +
        escapeHtml(config.kinds[p.kind] || "") + (tier ? " · " + escapeHtml(tier) : "") + "</small></li>";
    }).join("") + "</ul>";
  }

  /* A list in a popup scrolls inside it rather than reach past the map's top. */
  function listPopupOptions() {
    return L.extend({}, POPUP, { maxHeight: Math.max(140, map.getSize().y - 90) });
  }

  function pointMarker(group) {
    var first = group.items[0];
    var approximate = !(first.precision === "exact" || first.precision === "remote");
    var many = group.items.length > 1;
    var marker = many
      ? L.marker(group.at, {
          icon: L.divIcon({ className: "cluster stack", html: "<span>" + group.items.length + "</span>", iconSize: [32, 32] }),
          title: say(config.text.same_place, { n: group.items.length }),
          alt: say(config.text.same_place, { n: group.items.length }),
          keyboard: true,
        })
      : L.circleMarker(group.at, {
          radius: 11,
          color: "#0b7a53",
          weight: 2,
          fillColor: "#0b7a53",
          fillOpacity: approximate ? 0.15 : 0.9,
          dashArray: approximate ? "4 3" : null,
          className: approximate ? "point approximate" : "point exact",
        });
    marker.bindPopup(function () { return many ? listPopup(group.items, group.at) : popup(group.at, first, approximate); }, many ? listPopupOptions() : POPUP);
    return marker;
  }

  function distanceLine(at) {
    return search ? "<span class=\"distance\">" + escapeHtml(kilometres(map.distance(search.centre, at))) + "</span>" : "";
  }

  function orgCount(n) {
    return n === 1 ? config.text.org_one : say(config.text.org_cluster, { n: n.toLocaleString() });
  }

  function popup(at, p, approximate) {
    var lines = [
      "<strong>" + escapeHtml(title(p)) + "</strong>",
      escapeHtml(organization(p)),
      escapeHtml(dates(p)),
    ];
    if (search) lines.push(distanceLine(at));
    if (approximate) lines.push("<em>" + escapeHtml(config.text.approximate) + "</em>");
    lines.push('<a class="popup-link" href="' + detailUrl(p.id) + '">' + escapeHtml(config.text.details) + "</a>");
    return lines.join("<br>");
  }

  function listPopup(items, at) {
    var rows = items.map(function (p) {
      return '<li><a href="' + detailUrl(p.id) + '">' + escapeHtml(title(p)) + "</a><br><small>" +
        escapeHtml(organization(p)) + " · " + escapeHtml(dates(p)) + "</small></li>";
    });
    return "<strong>" + escapeHtml(say(config.text.here, { n: items.length })) + "</strong>" +
      (search ? " " + distanceLine(at) : "") + '<ul class="popup-list">' + rows.join("") + "</ul>";
  }

  // --- the list beside the map ---------------------------------------------------------------------

  function scheduleList() {
    if (search) return;
    clearTimeout(listTimer);
    listTimer = setTimeout(listViewport, 250);
  }

  function listViewport() {
    if (search || searchFailed || filterProblem()) return;
    // Organizations alone on the map: the list is theirs.
    var organizations = !$("layer-opportunities").checked && $("layer-organizations").checked;
    var params = organizations ? new URLSearchParams() : filterParams();
    var b = map.getBounds();
    var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    var heading = organizations ? config.text.orgs_in_area : config.text.in_area;
    if ((east - west) * (north - south) <= MAX_BBOX_SQUARE_DEGREES) {
      params.set("bbox", [west, south, east, north].map(function (v) { return v.toFixed(5); }).join(","));
    } else {
      heading = organizations ? config.text.orgs_by_name : config.text.newest;
    }
    if (organizations) {
      params.set("page_size", "20");
      fetch(apiUrl(config.org_api, params))
        .then(function (response) { return response.json(); })
        .then(function (body) {
          if (search) return;
          $("results-heading").textContent = heading;
          renderOrgList(body.features || []);
        })
        .catch(function () { if (!search) renderList([], config.text.failed); });
      return;
    }
    params.set("page_size", "20");
    fetch(apiUrl(config.api, params))
      .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
      .then(function (answer) {
        if (search) return;
        $("results-heading").textContent = heading;
        if (!answer.ok) return renderList([], apiError(answer.body));
        // Words too short for the index are looked for among the newest only: the API says so.
        renderList(answer.body.features || [], null, answer.body.search && answer.body.search.detail);
      })
      .catch(function () { if (!search) renderList([], config.text.failed); });
  }

  function renderOrgList(features) {
    var list = $("results");
    list.innerHTML = "";
    $("results-notice").hidden = true;
    if (!features.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = config.text.no_orgs;
      list.appendChild(empty);
    }
    features.forEach(function (feature) {
      var p = feature.properties;
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = config.org_page.replace("{id}", p.id);
      link.textContent = orgName(p);
      var small = document.createElement("small");
      var tier = p.partner ? config.text.partner : p.verified ? config.text.verified : "";
      small.textContent = [config.kinds[p.kind] || "", tier].filter(Boolean).join(" · ");
      item.appendChild(link);
      item.appendChild(document.createElement("br"));
      item.appendChild(small);
      list.appendChild(item);
    });
  }

  function renderList(features, problem, notice) {
    var list = $("results");
    list.innerHTML = "";
    $("results-notice").textContent = notice || "";
    $("results-notice").hidden = !notice;
    if (!features.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = problem || config.text.nothing;
      list.appendChild(empty);
    }
    features.forEach(function (feature) {
      var p = feature.properties;
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = detailUrl(p.id);
      link.textContent = title(p);
      item.appendChild(link);
      var small = document.createElement("small");
      small.textContent = [organization(p), dates(p)].join(" · ");
      if (p.distance_km != null) { // on one line: never "5.5" and "กม." apart
        var far = document.createElement("span");
        far.className = "distance";
        far.textContent = kilometres(p.distance_km * 1000);
        small.append(" · ", far);
      }
      item.appendChild(document.createElement("br"));
      item.appendChild(small);
      list.appendChild(item);
    });
  }

  // --- searching near a place ------------------------------------------------------------------------

  function clearSearch() {
    search = null;
    searchFailed = false;
    if (searchCircle) map.removeLayer(searchCircle);
    searchCircle = null;
    showMessage("");
    showCandidates([], "");
  }

  /* The places a search may mean, each with why it is offered; in the list that replaces an
   * answer ("which one?") every place shares the name, and the heading already says so. */
  function showCandidates(candidates, heading, answered) {
    var box = $("candidates");
    var list = box.querySelector("ul");
    list.innerHTML = "";
    box.querySelector("p").textContent = heading || "";
    candidates.filter(function (c) { return c.lat != null; }).forEach(function (c) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = label(c);
      button.addEventListener("click", function () {
        $("near-q").value = label(c);
        searchNear(label(c), { remember: true });
      });
      item.appendChild(button);
      if (c.message && (answered || c.reason_code !== "namesake")) {
        var why = document.createElement("span");
        why.className = "why";
        why.textContent = c.message;
        item.appendChild(why);
      }
      list.appendChild(item);
    });
    box.hidden = !list.children.length;
  }

  function parseCoordinates(text) {
    var match = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
    return match ? { lat: parseFloat(match[1]), lon: parseFloat(match[2]) } : null;
  }

  /* Where is it? Coordinates are taken as they are; anything else asks the geocoder, which
   * answers the most plausible place and the others the words may mean. */
  function locate(text) {
    var point = parseCoordinates(text);
    if (point) return Promise.resolve({ point: point, label: text, candidates: [] });
    return fetch(apiUrl(config.geocode, new URLSearchParams({ q: text })))
      .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
      .then(function (answer) {
        if (!answer.ok) return { problem: apiError(answer.body), refused: true, candidates: [] };
        var feature = answer.body, p = feature.properties;
        if (!feature.geometry) return { problem: p.message || config.text.not_found, candidates: p.candidates || [] };
        return {
          point: { lat: feature.geometry.coordinates[1], lon: feature.geometry.coordinates[0] },
          label: label(p) || text,
          candidates: p.precision === "postcode" ? [] : p.candidates || [],
        };
      });
  }

  function searchNear(text, options) {
    options = options || {};
    var mine = ++searchGeneration;
    clearSearch();
    asked = text;
    // A new entry in the history as the search starts: Back returns to the view before it.
    if (options.remember) remember(false);
    renderList([], config.text.searching);
    $("results-heading").textContent = config.text.in_area;
    showMessage(config.text.searching);
    return locate(text)
      .then(function (place) {
        if (mine !== searchGeneration) return;
        if (!place.point) {
          searchFailed = true;
          // A name several places share is not "not found": the person chooses below.
          showMessage(
            place.candidates.length || place.refused ? place.problem
              : place.problem ? "“" + text + "”: " + place.problem
              : say(config.text.not_found_named, { q: text }),
            "error"
          );
          showCandidates(place.candidates, place.candidates.length ? config.text.choose : "");
          renderList([], place.candidates.length ? config.text.choose : config.text.try_another);
          return;
        }
        if (options.label) place.label = options.label;
        var km = radius();
        var centre = L.latLng(place.point.lat, place.point.lon);
        search = { centre: centre, query: text, label: place.label, centreText: place.point.lat.toFixed(5) + "," + place.point.lon.toFixed(5) };
        searchCircle = L.circle(centre, { radius: km * 1000, weight: 1, fillOpacity: 0.05, interactive: false }).addTo(map);
        // A point well outside Thailand moves nothing: the answer below says why.
        if (!options.keepView && L.latLngBounds(THAILAND).pad(0.1).contains(centre)) map.fitBounds(searchCircle.getBounds());
        showCandidates(place.candidates, place.candidates.length ? config.text.or_maybe : "", true);
        $("results-heading").textContent = say(config.text.nearest, { km: km, place: place.label });
        var params = filterParams();
        params.set("near", search.centreText);
        params.set("radius_km", String(km));
        params.set("page_size", "20");
        return fetch(apiUrl(config.api, params))
          .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
          .then(function (answer) {
            if (mine !== searchGeneration) return;
            if (!answer.ok) {
              // Refused (a point outside Thailand, dates that cannot be): no circle, no
              // "nearest to" heading, and the reason said once.
              searchFailed = true;
              search = null;
              map.removeLayer(searchCircle);
              searchCircle = null;
              $("results-heading").textContent = config.text.in_area;
              showMessage(apiError(answer.body), "error");
              renderList([], config.text.try_another);
            } else {
              var found = answer.body.features;
              renderList(found, say(config.text.none_within, { km: km }));
              showMessage(say(found.length ? config.text.found : config.text.none_within, { n: found.length, km: km, place: place.label }));
            }
            remember(true);
          });
      })
      .catch(function () {
        if (mine !== searchGeneration) return;
        searchFailed = true;
        showMessage(config.text.failed, "error");
        renderList([], config.text.failed);
      });
  }

  // --- start -----------------------------------------------------------------------------------------

  function init(leafletMap) {
    thailand(leafletMap);
    config = JSON.parse($("map-config").textContent);
    map = leafletMap;
    var params = new URLSearchParams(location.search);
    viewFromUrl = params.has("z") || params.has("near");
    map.setMaxBounds(L.latLngBounds(THAILAND).pad(0.5));
    // Without animation: a view asked for while a zoom animates is dropped by Leaflet (the
    // disaster area arriving early on a phone stayed on the whole country).
    map.fitBounds(THAILAND, { animate: false });
    outlines = L.geoJSON(null, { style: { color: "#6b7f8e", weight: 1, fill: false }, interactive: false }).addTo(map);
    markers = L.layerGroup().addTo(map);
    orgMarkers = L.layerGroup().addTo(map);
    $("layers").addEventListener("change", function () { remember(false); refresh(); });
    fetch(config.outlines).then(function (r) { return r.json(); }).then(function (data) { outlines.addData(data); });
    if (window.matchMedia("(min-width: 900px)").matches) $("filter-box").open = true;

    // Words apply as they are typed, once the typing pauses; every other filter on change.
    var typing = null;
    $("filters").addEventListener("input", function (event) {
      if (event.target.name !== "q") return;
      clearTimeout(typing);
      typing = setTimeout(function () { filtersChanged(); }, 600);
    });
    $("filters").addEventListener("change", function (event) {
      if (event.target.name === "q") clearTimeout(typing);
      filtersChanged();
    });
    function filtersChanged() {
      var now = filterParams().toString();
      if (now === appliedFilters) return; // the words' pause and their change event: once
      appliedFilters = now;
      countFilters();
      // A date being typed is impossible until its last digit: those keystrokes make no history.
      if (!filterProblem()) remember(false);
      if (asked && !searchFailed && !filterProblem()) searchNear(asked, { remember: false, keepView: true, label: search && search.label });
      refresh();
    }
    $("filters").addEventListener("submit", function (event) { event.preventDefault(); });
    // The form clears its fields after this event: the list and the map follow once it has.
    $("filters").addEventListener("reset", function () { setTimeout(filtersChanged, 0); });
    $("near-radius").addEventListener("change", function () {
      if (search) searchNear(search.query, { remember: true, label: search.label });
    });
    // The page's first script (home.html) holds the search form from the first moment: a search
    // sent while the map was loading waits for it here.
    var early = window.volmapEarly || { search: false };
    early.onsearch = function () {
      var q = $("near-q").value.trim();
      if (q) searchNear(q, { remember: true });
      else { clearSearch(); asked = ""; remember(false); refresh(); }
    };
    $("near-me").addEventListener("click", function () {
      if (!navigator.geolocation) return showMessage(config.text.no_location, "error");
      showMessage(config.text.locating);
      navigator.geolocation.getCurrentPosition(
        function (position) {
          // About a kilometre: the address bar (and a shared link) never holds more.
          var near = position.coords.latitude.toFixed(2) + "," + position.coords.longitude.toFixed(2);
          $("near-q").value = near;
          searchNear(near, { remember: true, label: config.text.your_location });
        },
        function () { showMessage(config.text.no_location, "error"); }
      );
    });
    // A popup being read is not redrawn away: opening it may pan the map, and the markers under
    // it are refreshed once it is closed.
    map.on("popupopen", function () { reading = true; });
    map.on("popupclose", function () {
      reading = false;
      if (moved) { moved = false; refresh(); }
    });
    // A resize (a phone's viewport settling as the page loads, a turn) keeps the centre and zoom:
    // an address that names no view is not given one for it, only for a view the person chose.
    map.on("resize", function () { resizedView = viewKey(); });
    map.on("moveend", function () {
      var resized = resizedView === viewKey();
      resizedView = null;
      if (!resized || new URLSearchParams(location.search).has("z")) remember(true);
      if (reading) { moved = true; return; }
      refresh();
    });
    window.addEventListener("popstate", function () { applyUrl(false); });
    window.volmap.map = map;
    // What the person did while the map was loading is kept, not replaced by the address: filters
    // they set become the address's, and a search they sent is made now.
    if (applyUrl(true)) remember(false);
    if (early.search) early.onsearch();
    if (config.incident) showIncident(config.incident);
  }

  /* Disaster mode: the incident's affected area outlined, and the view on it unless the address
   * the person opened already named a view or a search. */
  function showIncident(incident) {
    fetch(incident.url).then(function (r) { return r.json(); }).then(function (feature) {
      if (!feature.geometry) return;
      var area = L.geoJSON(feature, {
        style: { color: "#1f4e79", weight: 2, dashArray: "6 4", fillOpacity: 0.08 },
        interactive: false
      }).addTo(map);
      if (!viewFromUrl) map.fitBounds(area.getBounds(), { animate: false });
      window.volmap.incidentArea = area;
    });
  }

  /* Province outlines on a small map, so that it shows where it is without a base layer. */
  function addOutlines(leafletMap, url) {
    if (!url) return;
    fetch(url).then(function (r) { return r.json(); }).then(function (data) {
      L.geoJSON(data, { style: { color: "#6b7f8e", weight: 1, fill: false }, interactive: false }).addTo(leafletMap);
    });
  }

  /* A detail page's small map: the point, drawn as a circle when it is approximate. */
  function detail(leafletMap) {
    thailand(leafletMap);
    var box = leafletMap.getContainer().closest(".small-map");
    addOutlines(leafletMap, box.dataset.outlines);
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

  /* The profile's map: province outlines (it needs no base layer), the stored home area as a
   * circle; a click sets the form's home_lat / home_lon (the server keeps only the ~1 km grid
   * cell around it) and says so under the map. */
  function home(leafletMap) {
    thailand(leafletMap);
    var box = leafletMap.getContainer().closest(".profile-map");
    leafletMap.invalidateSize(); // the container's size as laid out now, for clicks to land true
    var lat = document.getElementById("id_home_lat");
    var lon = document.getElementById("id_home_lon");
    var note = document.getElementById("home-map-note");
    var shown = null;
    addOutlines(leafletMap, box.dataset.outlines);
    function show(at, zoom) {
      if (shown) { leafletMap.removeLayer(shown); }
      shown = L.circle(at, { radius: 600, weight: 1, fillOpacity: 0.2 }).addTo(leafletMap);
      if (zoom) { leafletMap.setView(at, zoom); }
    }
    if (box.dataset.lat) {
      show(L.latLng(parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)), 12);
    } else {
      leafletMap.fitBounds(THAILAND, { animate: false });
    }
    leafletMap.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(6);
      lon.value = event.latlng.lng.toFixed(6);
      show(event.latlng);
      if (note) note.textContent = note.dataset.clicked;
    });
    window.volmap.map = leafletMap;
  }

  /* A staff form's map: the pin a person places (a click, or dragging it) fills the form's hidden
   * latitude and longitude, and is saved as exact. "Find the address" only shows where the address
   * is (approximate, as the server would place it); it becomes a pin when dragged or clicked. */
  function pin(leafletMap) {
    thailand(leafletMap);
    var box = leafletMap.getContainer().closest(".pin-map");
    leafletMap.invalidateSize();
    addOutlines(leafletMap, box.dataset.outlines);
    var lat = document.getElementById(box.dataset.latField);
    var lon = document.getElementById(box.dataset.lonField);
    var address = document.getElementById(box.dataset.address);
    var note = document.getElementById("pin-note");
    var marker = null, area = null;

    function tell(kind) { note.textContent = note.dataset[kind]; }
    function place(at) {
      lat.value = at.lat.toFixed(6);
      lon.value = at.lng.toFixed(6);
      if (area) { leafletMap.removeLayer(area); area = null; }
      tell("placed");
    }
    function show(at, approximate) {
      if (!marker) {
        marker = L.marker(at, { draggable: true, autoPan: true, keyboard: true }).addTo(leafletMap);
        marker.on("dragend", function () { place(marker.getLatLng()); });
      } else {
        marker.setLatLng(at);
      }
      if (area) { leafletMap.removeLayer(area); area = null; }
      if (approximate) {
        area = L.circle(at, { radius: APPROXIMATE_METRES[approximate] || 3000, weight: 1, dashArray: "4 3", fillOpacity: 0.1, interactive: false }).addTo(leafletMap);
      }
    }

    if (lat.value && lon.value) {
      var placed = L.latLng(parseFloat(lat.value), parseFloat(lon.value));
      show(placed, null);
      leafletMap.setView(placed, 15, { animate: false });
      tell("placed");
    } else if (box.dataset.lat) {
      var known = L.latLng(parseFloat(box.dataset.lat), parseFloat(box.dataset.lon));
      var exact = box.dataset.precision === "exact" || box.dataset.precision === "remote";
      show(known, exact ? null : box.dataset.precision);
      leafletMap.setView(known, exact ? 15 : 12, { animate: false });
      say(exact ? "placed" : "approximate");
    } else {
      leafletMap.fitBounds(THAILAND, { animate: false });
      tell("empty");
    }
    leafletMap.on("click", function (event) {
      show(event.latlng, null);
      place(event.latlng);
    });
    document.getElementById("pin-find").addEventListener("click", function () {
      var text = address ? address.value.trim() : "";
      if (!text) return tell("empty");
      fetch(box.dataset.geocode + "?" + new URLSearchParams({ q: text }).toString())
        .then(function (response) { return response.json(); })
        .then(function (feature) {
          if (!feature.geometry) return tell("notFound");
          var at = L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]);
          lat.value = lon.value = "";
          show(at, feature.properties.precision);
          leafletMap.setView(at, 13, { animate: false });
          tell("approximate");
        })
        .catch(function () { tell("notFound"); });
    });
    document.getElementById("pin-clear").addEventListener("click", function () {
      lat.value = lon.value = "";
      if (marker) { leafletMap.removeLayer(marker); marker = null; }
      if (area) { leafletMap.removeLayer(area); area = null; }
      tell("empty");
    });
    window.volmap.map = leafletMap;
  }

  /* "Share": the phone's own share sheet, or the link copied (and said so). */
  Array.prototype.forEach.call(document.querySelectorAll("[data-share]"), function (button) {
    button.addEventListener("click", function () {
      var note = button.parentNode.querySelector("[data-share-message]");
      function tell(text) { note.textContent = text; }
      function cannot() { tell(note.dataset.shareFailed); } // copying refused: said, with the way round
      tell("");
      if (navigator.share) {
        navigator.share({ title: document.title, url: location.href }).catch(function () {});
      } else if (navigator.clipboard) {
        navigator.clipboard.writeText(location.href).then(function () { tell(note.dataset.shareMessage); }, cannot);
      } else {
        cannot();
      }
    });
  });

  window.volmap = { init: init, detail: detail, home: home, pin: pin, refresh: function () { refresh(); } };
})();
