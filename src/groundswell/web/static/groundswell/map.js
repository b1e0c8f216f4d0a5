/* Groundswell maps: one small component for every map (households, turfs, zones,
 * event places, reports), so no page writes its own Leaflet code.
 *
 * Markup (no inline script: the page's CSP forbids it):
 *
 *   {{ features|json_script:"households-data" }}
 *   <div class="map" data-map
 *        data-tiles="{{ map_tile_url }}" data-attribution="{{ map_attribution }}"
 *        data-features="households-data"            id of a json_script element holding a
 *                                                   GeoJSON FeatureCollection (optional)
 *        data-center="39.99,-75.13" data-zoom="16"  used when there are no features
 *        data-draw="turf-geometry"                  id of an <input> that receives the
 *                                                   drawn polygon as GeoJSON (optional;
 *                                                   an existing value is loaded to edit)
 *        data-pick="report-lat,report-lon"          ids of two inputs set by a tap
 *                                                   (optional: choosing one point)
 *        aria-label="…"></div>
 *
 * Feature properties understood: ``label`` (tooltip text, never HTML), ``color``
 * (stroke/fill), ``radius`` (metres, draws a circle around a point), ``href`` (a tap
 * opens it), ``kind`` (added as a CSS class name ``map-<kind>``).
 *
 * When the tiles cannot load (no network, or no tile URL configured) the features are
 * still drawn on a plain background. Maps are re-initialised after htmx swaps.
 */
(function () {
  "use strict";

  // The <script> tag that loaded this file carries the marker images' URLs (hashed by
  // the manifest storage): read it now, document.currentScript is gone afterwards.
  var assets = (document.currentScript && document.currentScript.dataset) || {};

  // Leaflet derives its default marker's image path from leaflet.css, expecting a file
  // named exactly marker-icon.png beside it; hashed names defeat that, so every marker
  // would be a broken image. Give it the whole URLs instead.
  function useManifestMarkerImages() {
    if (typeof L === "undefined" || !assets.markerIcon || useManifestMarkerImages.done) return;
    useManifestMarkerImages.done = true;
    L.Icon.Default.imagePath = "";
    L.Icon.Default.mergeOptions({
      iconUrl: assets.markerIcon,
      iconRetinaUrl: assets.markerIcon2x || assets.markerIcon,
      shadowUrl: assets.markerShadow,
    });
  }

  function readFeatures(id) {
    if (!id) return null;
    var el = document.getElementById(id);
    if (!el) return null;
    try {
      var data = JSON.parse(el.textContent);
      return typeof data === "string" ? JSON.parse(data) : data;
    } catch (e) {
      return null;
    }
  }

  function styleFor(feature) {
    var p = (feature && feature.properties) || {};
    var color = p.color || "#1f6f5c";
    return { color: color, weight: 2, fillColor: color, fillOpacity: 0.25,
             className: p.kind ? "map-" + p.kind : "" };
  }

  function decorate(feature, layer) {
    var p = feature.properties || {};
    if (p.label) {
      // bindTooltip with a DOM node: the text is never parsed as HTML.
      var span = document.createElement("span");
      span.textContent = p.label;
      layer.bindTooltip(span);
    }
    if (p.href) {
      layer.on("click", function () { window.location.assign(p.href); });
    }
  }

  function pointLayer(feature, latlng) {
    var p = feature.properties || {};
    var style = styleFor(feature);
    if (p.radius) {
      return L.circle(latlng, Object.assign({ radius: Number(p.radius) }, style));
    }
    return L.circleMarker(latlng, Object.assign({}, style, { radius: 7, fillOpacity: 0.8 }));
  }

  function setupDraw(map, input, drawn) {
    if (!map.pm) return;
    map.pm.addControls({
      position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
      drawRectangle: true, drawPolygon: true, drawCircle: false, drawText: false,
      cutPolygon: false, rotateMode: false,
    });
    function write() {
      var layers = drawn.getLayers();
      if (!layers.length) { input.value = ""; }
      else { input.value = JSON.stringify(layers[layers.length - 1].toGeoJSON().geometry); }
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function watch(layer) {
      layer.on("pm:edit pm:dragend", write);
      layer.on("pm:remove", function () { drawn.removeLayer(layer); write(); });
    }
    drawn.eachLayer(watch);
    map.on("pm:create", function (event) {
      // One shape per input: a new drawing replaces the old one.
      drawn.eachLayer(function (old) { map.removeLayer(old); });
      drawn.clearLayers();
      drawn.addLayer(event.layer);
      watch(event.layer);
      write();
    });
  }

  function setupPick(map, ids) {
    var parts = ids.split(",");
    var lat = document.getElementById(parts[0]);
    var lon = document.getElementById(parts[1]);
    if (!lat || !lon) return;
    var marker = null;
    function place(latlng) {
      if (marker) marker.setLatLng(latlng); else marker = L.marker(latlng).addTo(map);
    }
    if (lat.value && lon.value) place([Number(lat.value), Number(lon.value)]);
    map.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(6);
      lon.value = event.latlng.lng.toFixed(6);
      place(event.latlng);
      lat.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function init(el) {
    if (el.dataset.mapReady || typeof L === "undefined") return;
    el.dataset.mapReady = "1";
    useManifestMarkerImages();
    var map = L.map(el, { zoomControl: true, attributionControl: true });
    var tiles = el.dataset.tiles;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    var bounds = null;
    var data = readFeatures(el.dataset.features);
    if (data && (data.features || data.type)) {
      var layer = L.geoJSON(data, { style: styleFor, pointToLayer: pointLayer,
                                    onEachFeature: decorate }).addTo(map);
      if (layer.getLayers().length) bounds = layer.getBounds();
    }
    var drawn = L.featureGroup().addTo(map);
    var input = el.dataset.draw ? document.getElementById(el.dataset.draw) : null;
    if (input && input.value) {
      try {
        L.geoJSON(JSON.parse(input.value), { style: styleFor }).eachLayer(function (l) {
          drawn.addLayer(l);
        });
        if (drawn.getLayers().length) bounds = drawn.getBounds();
      } catch (e) { /* a broken value is reported by the form, not here */ }
    }
    if (bounds && bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18 });
    } else {
      var center = (el.dataset.center || "39.99,-75.13").split(",").map(Number);
      map.setView(center, Number(el.dataset.zoom || 15));
    }
    if (input) setupDraw(map, input, drawn);
    if (el.dataset.pick) setupPick(map, el.dataset.pick);
    el.groundswellMap = map;
  }

  function initAll(root) {
    (root || document).querySelectorAll("[data-map]").forEach(init);
  }

  document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { initAll(event.target); });
  window.GroundswellMap = { init: init, initAll: initAll };
})();
