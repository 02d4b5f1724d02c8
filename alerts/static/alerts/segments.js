/* SMS segments, mirroring alerts/segments.py: GSM-7 (160, or 153 per part; extension
   characters count two) unless one character is outside it, then UCS-2 (70, or 67 per part). */
(function (global) {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "^{}\\[~]|€\f";

  function count(sizes, single, multi) {
    var total = sizes.reduce(function (a, b) { return a + b; }, 0);
    if (total <= single) { return sizes.length ? 1 : 0; }
    var segments = 1, used = 0;
    sizes.forEach(function (size) {
      if (used + size > multi) { segments += 1; used = 0; }
      used += size;
    });
    return segments;
  }

  function smsSegments(text) {
    var chars = Array.from(text);
    var gsm = chars.every(function (c) { return BASIC.indexOf(c) >= 0 || EXTENDED.indexOf(c) >= 0; });
    var sizes, single, multi;
    if (gsm) {
      sizes = chars.map(function (c) { return EXTENDED.indexOf(c) >= 0 ? 2 : 1; });
      single = 160; multi = 153;
    } else {
      sizes = chars.map(function (c) { return c.codePointAt(0) > 0xFFFF ? 2 : 1; });
      single = 70; multi = 67;
    }
    var segments = count(sizes, single, multi);
    return {
      encoding: gsm ? "GSM-7" : "UCS-2", characters: chars.length,
      units: sizes.reduce(function (a, b) { return a + b; }, 0), segments: segments,
      per_segment: segments <= 1 ? single : multi,
      non_gsm: chars.filter(function (c, i) {
        return BASIC.indexOf(c) < 0 && EXTENDED.indexOf(c) < 0 && chars.indexOf(c) === i;
      })
    };
  }
  global.smsSegments = smsSegments;
})(window);
