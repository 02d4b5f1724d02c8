// The mutual aid map (/mutual-aid/map/): listings counted by neighbourhood, drawn on the vendored
// Leaflet from the features in the `aid-map-data` json_script; a click opens that neighbourhood's
// listings. Never an address. Loaded with `defer` after leaflet.js (no inline script: the CSP).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  if (!window.L) { return; }
  var data = document.getElementById("aid-map-data");
  var el = document.getElementById("aid-map");
  if (!data || !el) { return; }
  var features = JSON.parse(data.textContent);
  if (!features.length) { el.remove(); return; }
  var map = L.map("aid-map");
  var layer = L.geoJSON({type: "FeatureCollection", features: features}, {
    onEachFeature: function (f, l) {
      var a = document.createElement("a");
      a.href = f.properties.url; a.textContent = f.properties.name + " (" + f.properties.count + ")";
      l.bindTooltip(a.textContent); l.on("click", function () { window.location = a.href; });
    }
  }).addTo(map);
  map.fitBounds(layer.getBounds());
});
