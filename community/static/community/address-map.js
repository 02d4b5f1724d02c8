// The neighbourhood picker of /verify/address/: the council's areas drawn and named as an SVG map
// (no tile server needed); a click fills the latitude, longitude and suggested neighbourhood fields.
"use strict";
(function () {
  const areas = JSON.parse(document.getElementById("neighbourhood-areas").textContent);
  const svg = document.getElementById("neighbourhood-map");
  const polys = a => a.type === "Polygon" ? [a.coordinates] : a.coordinates;
  let pts = []; areas.forEach(n => polys(n.area).forEach(p => pts = pts.concat(p[0])));
  const minX = Math.min(...pts.map(p => p[0])), maxX = Math.max(...pts.map(p => p[0]));
  const minY = Math.min(...pts.map(p => p[1])), maxY = Math.max(...pts.map(p => p[1]));
  const k = Math.cos((minY + maxY) / 2 * Math.PI / 180), S = 1000 / Math.max((maxX - minX) * k, maxY - minY);
  const X = x => (x - minX) * k * S, Y = y => (maxY - y) * S;
  svg.setAttribute("viewBox", `-20 -20 ${(maxX - minX) * k * S + 40} ${(maxY - minY) * S + 40}`);
  const ns = "http://www.w3.org/2000/svg";
  areas.forEach(n => polys(n.area).forEach(p => {
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", p.map(r => "M" + r.map(c => X(c[0]) + "," + Y(c[1])).join("L") + "Z").join(" "));
    path.setAttribute("fill", "rgba(29,78,216,.15)"); path.setAttribute("stroke", "#1d4ed8");
    path.dataset.id = n.id; svg.appendChild(path);
    const t = document.createElementNS(ns, "title"); t.textContent = n.name; path.appendChild(t);
  }));
  // The names, written in each area (at the middle of its first ring's bounding box), so that a
  // resident finds their neighbourhood without hovering; clicks go through them to the area.
  areas.forEach(n => {
    const ring = polys(n.area)[0][0];
    const xs = ring.map(c => X(c[0])), ys = ring.map(c => Y(c[1]));
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", (Math.min(...xs) + Math.max(...xs)) / 2);
    label.setAttribute("y", (Math.min(...ys) + Math.max(...ys)) / 2);
    label.setAttribute("class", "area-name");
    label.setAttribute("text-anchor", "middle");
    label.setAttribute("dominant-baseline", "middle");
    label.textContent = n.name;
    svg.appendChild(label);
  });
  const dot = document.createElementNS(ns, "circle"); dot.setAttribute("r", 12); dot.setAttribute("fill", "#b00020");
  svg.addEventListener("click", e => {
    const m = svg.getScreenCTM().inverse(), pt = new DOMPoint(e.clientX, e.clientY).matrixTransform(m);
    const lon = pt.x / (k * S) + minX, lat = maxY - pt.y / S;
    document.getElementById("id_latitude").value = lat.toFixed(6);
    document.getElementById("id_longitude").value = lon.toFixed(6);
    dot.setAttribute("cx", pt.x); dot.setAttribute("cy", pt.y); svg.appendChild(dot);
    const hit = e.target.dataset && e.target.dataset.id;
    if (hit) { document.getElementById("id_neighbourhood").value = hit; }
    document.getElementById("map-result").textContent = hit ? e.target.textContent : "";
  });
})();
