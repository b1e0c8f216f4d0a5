// Live GSM-7 / UCS-2 segment count under each message box (the same rules as
// messaging/segments.py), with the cost estimate on the compose page.
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "\f^{}\\[~]|€";

  function count(text) {
    var chars = Array.from(text);
    var gsm = chars.every(function (c) { return BASIC.indexOf(c) >= 0 || EXTENDED.indexOf(c) >= 0; });
    var widths = chars.map(function (c) {
      if (gsm) { return EXTENDED.indexOf(c) >= 0 ? 2 : 1; }
      return c.codePointAt(0) > 0xFFFF ? 2 : 1;
    });
    var units = widths.reduce(function (a, b) { return a + b; }, 0);
    var single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
    var segments = 0;
    if (units > 0 && units <= single) { segments = 1; }
    else if (units > single) {
      var used = 0; segments = 1;
      widths.forEach(function (w) { if (used + w > multi) { segments += 1; used = 0; } used += w; });
    }
    var letters = [];
    if (!gsm) {
      chars.forEach(function (c) {
        if (BASIC.indexOf(c) < 0 && EXTENDED.indexOf(c) < 0 && letters.indexOf(c) < 0) { letters.push(c); }
      });
    }
    return { chars: chars.length, segments: segments, encoding: gsm ? "GSM-7" : "UCS-2", letters: letters };
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, key) { return key in values ? values[key] : m; });
  }

  function costPerSegment() {
    var node = document.getElementById("segment-cost");
    if (!node) { return null; }
    var value = parseFloat(JSON.parse(node.textContent));
    return isNaN(value) ? null : value;
  }

  function update(box, out) {
    var result = count(box.value);
    var text = fill(out.dataset.text || "", result);
    if (result.letters.length) { text += " " + fill(out.dataset.ucs || "", { letters: result.letters.join(" ") }); }
    var cost = costPerSegment();
    if (cost !== null && result.segments) {
      text += " " + fill(out.dataset.cost || "", { cost: (cost * result.segments).toFixed(2) });
    }
    out.textContent = text;
    out.classList.toggle("too-long", result.segments > 10);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-segments-for]").forEach(function (out) {
      var box = document.getElementById(out.dataset.segmentsFor);
      if (!box) { return; }
      box.addEventListener("input", function () { update(box, out); });
      update(box, out);
    });
  });
})();
