/* Groundswell canvasser app: a walk list that works offline.
 *
 * The page carries the list (json_script "canvass-data"): doors in walking order,
 * who lives there, what happened last time, the script. Each visit recorded here gets
 * an id made on the phone (a UUID) and goes into an IndexedDB queue; the queue is sent
 * to the sync endpoint when the phone is online (at once, when the connection comes
 * back, every minute while some wait, or with "Send now"), in chunks under the
 * server's limits. The server answers per visit: saved, already saved (a repeated
 * sync), refused with a reason (shown here), or to be sent again. The phone's clock
 * time at sending goes with each chunk, so the server can correct a clock that is off.
 * Nothing here uses innerHTML with data.
 *
 * "Next door" opens the first door after this one (in walking order) without a visit
 * yet; a door shows everyone the list knows at its street address (all its units);
 * in literature-drop mode one tap on a door queues a "literature left" visit, through
 * the same queue, so it works offline too.
 */
(function () {
  "use strict";

  var DB_NAME = "groundswell-canvass";
  var STORE = "visits";
  var CACHE = "groundswell-canvass-v2";  // the same name as in the service worker

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var store = request.result.createObjectStore(STORE, { keyPath: "id" });
        store.createIndex("walk_list", "walk_list");
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function tx(db, mode, work) {
    return new Promise(function (resolve, reject) {
      var t = db.transaction(STORE, mode);
      var result = work(t.objectStore(STORE));
      t.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
      t.onerror = function () { reject(t.error); };
    });
  }

  function allVisits(db, walkList) {
    return new Promise(function (resolve, reject) {
      var request = db.transaction(STORE).objectStore(STORE).index("walk_list").getAll(walkList);
      request.onsuccess = function () { resolve(request.result || []); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function init(app) {
    var data = JSON.parse(document.getElementById("canvass-data").textContent);
    var msg = app.dataset;
    var walkList = Number(app.dataset.walkList);
    var doors = {};
    data.doors.forEach(function (d) { doors[d.id] = d; });
    var visitedDoors = {};
    var db = null;
    var current = null;
    var syncing = false;
    var problem = "";  // why the last sync stopped, while visits wait
    var maxBytes = Number(app.dataset.maxBytes) || 1000000;
    var chunkSize = Math.min(Number(app.dataset.maxVisits) || 100, 100);
    var form = document.getElementById("visit-form");
    var visitSection = document.getElementById("visit");
    var listSection = document.getElementById("door-list");
    var mapSection = document.getElementById("door-map");

    function setNet() {
      document.getElementById("net-status").textContent = navigator.onLine ? msg.msgOnline : msg.msgOffline;
      app.classList.toggle("is-offline", !navigator.onLine);
    }

    function refresh() {
      if (!db) return Promise.resolve();
      return allVisits(db, walkList).then(function (visits) {
        var waiting = visits.filter(function (v) { return v.status === "queued"; });
        var refused = visits.filter(function (v) { return v.status === "rejected"; });
        var status = document.getElementById("queue-status");
        // "All visits sent" only when every visit of this list was saved by the server.
        var text = msg.msgAllSent;
        if (waiting.length) text = msg.msgWaiting + " " + waiting.length;
        else if (refused.length) text = msg.msgRefused + " " + refused.length;
        if (problem && waiting.length) text = problem + " " + text;
        status.textContent = text;
        status.dataset.waiting = String(waiting.length);
        status.dataset.refused = String(refused.length);
        var rejected = document.getElementById("rejected");
        rejected.textContent = "";
        refused.forEach(function (v) {
          var door = doors[v.household || v.address_of];
          rejected.appendChild(el("li", msg.msgRejected + " " + (door ? door.street : "") + " — " + (v.error || "")));
        });
        rejected.hidden = !rejected.children.length;
        var visited = {};
        visits.forEach(function (v) { visited[v.household || v.address_of] = true; });
        visitedDoors = visited;
        document.querySelectorAll("button.door").forEach(function (button) {
          var done = !!visited[button.dataset.door];
          button.classList.toggle("visited", done);
          var state = button.querySelector(".door-state");
          if (done) state.textContent = msg.msgVisited;
        });
      });
    }

    // Earlier versions of this page marked a whole queue refused when the server
    // refused one of its visits, and never sent them again. A refusal the server made
    // about the visit itself carries "judged"; the others go back in the queue (the
    // server finds any already saved by their id).
    function rescue() {
      return allVisits(db, walkList).then(function (visits) {
        var lost = visits.filter(function (v) { return v.status === "rejected" && !v.judged; });
        if (!lost.length) return null;
        return tx(db, "readwrite", function (store) {
          lost.forEach(function (v) { v.status = "queued"; v.error = ""; store.put(v); });
        });
      });
    }

    function show(id) {
      listSection.hidden = id !== "door-list";
      mapSection.hidden = id !== "door-map";
      visitSection.hidden = id !== "visit";
      document.querySelectorAll("[data-show]").forEach(function (b) {
        b.setAttribute("aria-pressed", b.dataset.show === id ? "true" : "false");
      });
      if (id === "door-map") {
        var mapEl = mapSection.querySelector("[data-map]");
        if (window.GroundswellMap) window.GroundswellMap.init(mapEl);
        if (mapEl.groundswellMap) mapEl.groundswellMap.invalidateSize();
      }
    }

    function openDoor(id) {
      current = doors[id];
      form.reset();
      document.getElementById("visit-error").hidden = true;
      document.getElementById("new-person").hidden = true;
      document.getElementById("visit-title").textContent =
        current.position + ". " + current.street + (current.unit ? ", " + current.unit : "");
      var residents = document.getElementById("visit-residents");
      residents.textContent = "";
      if (!current.residents.length) residents.appendChild(el("p", msg.msgNobody, "muted"));
      var ul = el("ul", "", "residents");
      current.residents.forEach(function (r) {
        var li = el("li", r.name + (r.language ? " (" + r.language + ")" : ""));
        (r.phones || []).forEach(function (p) { li.appendChild(el("span", " · " + p, "phone")); });
        ul.appendChild(li);
      });
      if (current.residents.length) residents.appendChild(ul);
      showAddress(current);
      var last = document.getElementById("visit-last");
      last.textContent = current.last ? msg.msgLast + " " + current.last.label + " (" + current.last.date + ")" +
        (current.last.notes ? " — " + current.last.notes : "") : "";
      var who = document.getElementById("who-choices");
      who.textContent = "";
      function option(value, label) {
        var l = el("label", "", "choice");
        var input = document.createElement("input");
        input.type = "radio"; input.name = "person"; input.value = value;
        l.appendChild(input);
        l.appendChild(document.createTextNode(" " + label));
        who.appendChild(l);
      }
      current.residents.forEach(function (r) { option(String(r.id), r.name); });
      option("new", msg.msgSomeoneNew);
      option("", msg.msgNotNamed);
      show("visit");
      window.scrollTo(0, 0);
    }

    // Everyone the list knows at this door's street address: its own household and
    // the other units of the building.
    function showAddress(door) {
      var box = document.getElementById("at-address");
      var list = document.getElementById("at-address-list");
      list.textContent = "";
      var same = data.doors.filter(function (d) { return d.street === door.street; });
      same.forEach(function (d) {
        var names = d.residents.map(function (r) {
          return r.name + (r.language ? " (" + r.language + ")" : "");
        }).join(", ");
        var li = el("li", "");
        li.appendChild(el("strong", d.unit || door.street));
        li.appendChild(document.createTextNode(": " + (names || msg.msgNobodyAtAddress)));
        if (d.id === door.id) li.className = "this-door";
        list.appendChild(li);
      });
      box.hidden = same.length < 2 && !(door.residents.length > 1);
      box.open = same.length > 1;
    }

    function nextDoor(fromId) {
      var order = data.doors.map(function (d) { return d.id; });
      var start = fromId ? order.indexOf(fromId) + 1 : 0;
      for (var i = 0; i < order.length; i++) {
        var id = order[(start + i) % order.length];
        if (!visitedDoors[id] && id !== fromId) return id;
      }
      return null;
    }

    function goNext(fromId) {
      var id = nextDoor(fromId);
      if (id === null) {
        show("door-list");
        document.getElementById("lit-drop-status").textContent = msg.msgNoMore;
        return;
      }
      openDoor(id);
    }

    function dropLiterature(id) {
      var door = doors[id];
      var visit = {
        id: uuid(), walk_list: walkList, household: id, outcome: "lit_drop",
        occurred_at: new Date().toISOString(), answers: {}, notes: "",
        person: null, new_person: null, language: data.language, status: "queued"
      };
      return tx(db, "readwrite", function (store) { return store.put(visit); }).then(function () {
        document.getElementById("lit-drop-status").textContent =
          msg.msgDropped + " " + door.street + (door.unit ? ", " + door.unit : "");
        return refresh();
      }).then(function () { if (navigator.onLine) sync(); });
    }

    function fail(text) {
      var error = document.getElementById("visit-error");
      error.textContent = text;
      error.hidden = false;
      error.scrollIntoView();
    }

    form.addEventListener("change", function (event) {
      if (event.target.name === "person") {
        document.getElementById("new-person").hidden = event.target.value !== "new";
      }
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var fd = new FormData(form);
      var outcome = fd.get("outcome");
      if (!outcome) { fail(msg.msgNeedOutcome); return; }
      var who = fd.get("person") || "";
      var visit = {
        id: uuid(), walk_list: walkList, household: current.id, outcome: outcome,
        occurred_at: new Date().toISOString(), answers: {}, notes: (fd.get("notes") || "").trim(),
        person: null, new_person: null, language: data.language, status: "queued"
      };
      if (who === "new") {
        var given = (fd.get("np_given") || "").trim();
        var family = (fd.get("np_family") || "").trim();
        if (!given && !family) { fail(msg.msgNeedName); return; }
        visit.new_person = { given_name: given, family_name: family,
                             language: fd.get("np_language") || "", phone: (fd.get("np_phone") || "").trim() };
      } else if (who) {
        visit.person = Number(who);
      }
      var unit = (fd.get("new_unit") || "").trim();
      if (unit) {
        visit.new_unit = unit; visit.address_of = current.id; visit.household = null;
        visit.person = null;  // the people known here live behind the other door
      }
      var missingCategory = false;
      form.querySelectorAll(".question").forEach(function (q) {
        var value = fd.get("q-" + q.dataset.question);
        var answered = value !== null && String(value).trim() !== "";
        if (answered) visit.answers[q.dataset.question] = String(value).trim();
        // A grievance question that leaves the category to the canvasser: the resident's
        // words go with the category picked here.
        var category = fd.get("qc-" + q.dataset.question);
        if (category) visit.answers[q.dataset.question + ".category"] = category;
        else if (answered && q.querySelector(".grievance-category")) missingCategory = true;
      });
      if (missingCategory) { fail(msg.msgNeedCategory); return; }
      tx(db, "readwrite", function (store) { return store.put(visit); }).then(function () {
        show("door-list");
        return refresh();
      }).then(function () {
        var status = document.getElementById("queue-status");
        status.dataset.saved = String(Number(status.dataset.saved || 0) + 1);
        if (navigator.onLine) sync();
      });
    });

    // One sync sends the queue in chunks under the server's limits (visits and bytes,
    // from the page). The server judges each visit: saved or already saved (dropped
    // from the queue), refused (kept here with its reason, not sent again) or "retry"
    // (kept, sent again). Anything else — no network, a 5xx, 429, logged out, a body
    // that is not an answer — is not about the visits: every one stays queued.
    function wire(v) {
      var copy = Object.assign({}, v);
      delete copy.status; delete copy.error; delete copy.judged;
      return copy;
    }

    function bytes(text) { return new Blob([text]).size; }

    function nextChunk(pending) {
      var budget = Math.floor(maxBytes * 0.9) - 200;  // room for the envelope
      var chunk = [];
      var used = 0;
      for (var i = 0; i < pending.length && chunk.length < chunkSize; i++) {
        var size = bytes(JSON.stringify(wire(pending[i]))) + 1;
        if (chunk.length && used + size > budget) break;
        chunk.push(pending[i]);
        used += size;
      }
      return chunk;
    }

    function post(chunk, tried) {
      var body = JSON.stringify({ sent_at: new Date().toISOString(), visits: chunk.map(wire) });
      return fetch(app.dataset.sync, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "Content-Type": "application/json", "X-CSRFToken": app.dataset.csrf,
                   "Accept": "application/json" }
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.status === 413 && chunk.length > 1) {
          chunkSize = Math.max(1, Math.floor(chunk.length / 2));
          return "again";
        }
        if (response.status === 413) {  // this one visit alone is too big to send
          chunk[0].status = "rejected"; chunk[0].error = msg.msgTooBig; chunk[0].judged = 1;
          tried[chunk[0].id] = true;
          return tx(db, "readwrite", function (store) { store.put(chunk[0]); }).then(function () { return "again"; });
        }
        if (response.redirected || response.status === 401 || response.status === 403 ||
            type.indexOf("application/json") !== 0) {
          problem = msg.msgLogin;
          return "stop";
        }
        if (!response.ok) {
          problem = msg.msgFailed;
          return "stop";
        }
        return response.json().then(function (answer) {
          var byId = {};
          chunk.forEach(function (v) { byId[v.id] = v; tried[v.id] = true; });
          return tx(db, "readwrite", function (store) {
            (answer.results || []).forEach(function (r) {
              var v = byId[r.id];
              if (!v) return;
              if (r.status === "saved" || r.status === "already_saved") {
                v.status = "saved"; v.error = "";
              } else if (r.status === "rejected") {
                v.status = "rejected"; v.error = r.error || ""; v.judged = 1;
              } else {
                return;  // "retry", or an answer this page does not know: kept
              }
              store.put(v);
            });
          }).then(function () { return "next"; });
        });
      });
    }

    function sync() {
      if (syncing || !db) return Promise.resolve();
      syncing = true;
      problem = "";
      var status = document.getElementById("queue-status");
      return allVisits(db, walkList).then(function (visits) {
        var queued = visits.filter(function (v) { return v.status === "queued"; });
        if (!queued.length) return null;
        status.textContent = msg.msgSending;
        var tried = {};  // each visit at most once per sync, so a "retry" cannot loop
        function round() {
          var pending = queued.filter(function (v) { return v.status === "queued" && !tried[v.id]; });
          if (!pending.length) return null;
          return post(nextChunk(pending), tried).then(function (next) {
            return next === "stop" ? null : round();
          });
        }
        return round();
      }).catch(function () {
        problem = msg.msgFailed;
      }).then(function () {
        syncing = false;
        status.dataset.failed = problem ? "1" : "";
        return refresh();
      });
    }

    var litDrop = document.getElementById("lit-drop-mode");
    litDrop.addEventListener("change", function () { app.classList.toggle("lit-drop", litDrop.checked); });
    document.querySelectorAll("button.door").forEach(function (button) {
      button.addEventListener("click", function () {
        var id = Number(button.dataset.door);
        if (litDrop.checked && db) dropLiterature(id); else openDoor(id);
      });
    });
    document.getElementById("next-door").addEventListener("click", function () { goNext(null); });
    document.getElementById("visit-next").addEventListener("click", function () {
      goNext(current ? current.id : null);
    });
    document.querySelectorAll("[data-show]").forEach(function (button) {
      button.addEventListener("click", function () { show(button.dataset.show); });
    });
    document.getElementById("cancel-visit").addEventListener("click", function () { show("door-list"); });
    document.getElementById("sync-now").addEventListener("click", function () { sync(); });
    window.addEventListener("online", function () { setNet(); sync(); });
    window.addEventListener("offline", setNet);
    setNet();

    if ("serviceWorker" in navigator && app.dataset.sw && navigator.onLine) {
      navigator.serviceWorker.register(app.dataset.sw, { scope: app.dataset.scope }).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function () {
        // Keep this list's page for opening it again without signal (the worker
        // answers from this copy when the network fails).
        return caches.open(CACHE).then(function (cache) {
          return cache.add(new Request(window.location.href, { credentials: "same-origin" }));
        });
      }).then(function () { app.dataset.offlineReady = "1"; }).catch(function () {});
    }
    openDb().then(function (opened) {
      db = opened;
      return rescue();
    }).then(function () {
      app.dataset.ready = "1";
      return refresh();
    }).then(function () { if (navigator.onLine) sync(); });
    // Visits wait for signal; try again now and then without waiting for a tap.
    setInterval(function () { if (navigator.onLine) sync(); }, 60000);
  }

  // "Use where I am": fill the start point with the phone's location.
  function locate(button) {
    var input = button.form.querySelector("input[name=start]");
    if (!navigator.geolocation || !input) return;
    navigator.geolocation.getCurrentPosition(function (position) {
      input.value = position.coords.latitude.toFixed(6) + ", " +
        position.coords.longitude.toFixed(6);
    }, function () {
      input.setCustomValidity(button.dataset.msgNoLocation || "");
      input.reportValidity();
      input.setCustomValidity("");
    }, { enableHighAccuracy: true, timeout: 15000 });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var app = document.getElementById("canvass-app");
    if (app) init(app);
    document.querySelectorAll("button[data-locate]").forEach(function (button) {
      button.addEventListener("click", function () { locate(button); });
    });
  });
})();
