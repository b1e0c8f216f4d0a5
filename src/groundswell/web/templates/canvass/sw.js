{% load static %}/* Groundswell canvasser app: service worker (served from /o/<org>/canvass/sw.js so
 * its scope covers the app). Pages: network first, the cached copy when offline.
 * Static files: cache first. Syncs (POST) always go to the network. */
"use strict";
var CACHE = "groundswell-canvass-v1";
var PRECACHE = [
  "{% static 'groundswell/app.css' %}",
  "{% static 'groundswell/geo.css' %}",
  "{% static 'groundswell/canvass.css' %}",
  "{% static 'groundswell/canvass.js' %}",
  "{% static 'groundswell/map.js' %}",
  "{% static 'groundswell/icon.svg' %}",
  "{% static 'vendor/htmx-2.0.11/htmx.min.js' %}",
  "{% static 'vendor/leaflet-1.9.4/leaflet.css' %}",
  "{% static 'vendor/leaflet-1.9.4/leaflet.js' %}"
];
var STATIC_PREFIX = "{% get_static_prefix %}";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(PRECACHE); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
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
