{% load static %}/* Groundswell canvasser app: service worker (served from /o/<org>/canvass/sw.js so
 * its scope covers the app). Pages: network first, the cached copy when offline.
 * Static files: cache first. Map tiles the canvasser has seen: cache first, the most
 * recent few thousand kept, so the map of a list opened at home still draws on the
 * block (tiles are never fetched ahead: tile servers forbid bulk downloads). Syncs
 * (POST) always go to the network. */
"use strict";
var CACHE = "groundswell-canvass-v2";  // changed with canvass.js: old copies go
var TILES = "groundswell-tiles-v1";
var MAX_TILES = 3000;
var TILE_URL = "{{ map_tile_url|escapejs }}";
var PRECACHE = [
  "{% static 'groundswell/app.css' %}",
  "{% static 'groundswell/geo.css' %}",
  "{% static 'groundswell/canvass.css' %}",
  "{% static 'groundswell/canvass.js' %}",
  "{% static 'groundswell/map.js' %}",
  "{% static 'groundswell/icon.svg' %}",
  "{% static 'groundswell/icon-192.png' %}",
  "{% static 'vendor/htmx-2.0.11/htmx.min.js' %}",
  "{% static 'vendor/leaflet-1.9.4/leaflet.css' %}",
  "{% static 'vendor/leaflet-1.9.4/leaflet.js' %}"
];
var STATIC_PREFIX = "{% get_static_prefix %}";

// The tile URL template ({s}, {z}, {x}, {y}, {r}...) as a pattern of the addresses
// it produces.
function tilePattern(template) {
  if (!template) return null;
  var source = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&")
    .replace(/\{s\}/g, "[a-z0-9-]+").replace(/\{[xyz]\}/g, "-?\\d+")
    .replace(/\{r\}/g, "(@2x)?").replace(/\{[^}]*\}/g, "[^/?#]*");
  return new RegExp("^" + source + "$");
}
var TILE_PATTERN = tilePattern(TILE_URL);
var tilesPut = 0;

function trimTiles(cache) {
  return cache.keys().then(function (keys) {
    return Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_TILES))
      .map(function (key) { return cache.delete(key); }));
  });
}

function tileFromCache(request) {
  return caches.open(TILES).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        // Tiles from another server come back opaque (no-cors images): keep those too.
        if (response.ok || response.type === "opaque") {
          cache.put(request, response.clone());
          tilesPut += 1;
          if (tilesPut % 100 === 0) trimTiles(cache);
        }
        return response;
      });
    });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(PRECACHE); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; })
      .filter(function (k) { return k !== TILES; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (TILE_PATTERN && TILE_PATTERN.test(request.url)) {
    event.respondWith(tileFromCache(request));
    return;
  }
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(caches.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
        return response;
      });
    }));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      // Django varies pages on Cookie and Accept-Language, which a worker's requests
      // do not carry: match on the address alone.
      return caches.match(request, { ignoreVary: true }).then(function (hit) {
        return hit || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
      });
    }));
  }
});
