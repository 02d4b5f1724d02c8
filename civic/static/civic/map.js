/* Commune street reports map, on the vendored Leaflet (no CDN, works offline).
   <div class="civic-map" data-mode="browse|pick|show" data-config="ID of a json_script"
        data-geojson="URL" data-lat-input="ID" data-lon-input="ID" data-nearby-url="URL"></div>
   With no tile server configured the map draws the council's neighbourhoods with their names
   (they are drawn over the tiles too), shows markers and accepts a click. */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  function text(key, fallback) {
    var node = document.getElementById("civic-map-strings");
    if (!node) { return fallback; }
    try { return JSON.parse(node.textContent)[key] || fallback; } catch (e) { return fallback; }
  }

  function baseMap(el, config) {
    var map = L.map(el, { scrollWheelZoom: false, maxZoom: config.max_zoom || 19 })
      .setView([config.lat, config.lon], config.zoom);
    if (config.tiles) {
      L.tileLayer(config.tiles, {
        maxZoom: config.max_zoom || 19, attribution: config.attribution || ""
      }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    var areas = drawAreas(el, map, config);
    // Without tiles the outlines are the only landmarks: open on the whole council.
    if (!config.tiles && areas && el.dataset.mode !== "show") {
      map.fitBounds(areas.getBounds(), { padding: [8, 8] });
    }
    return map;
  }

  /* The council's neighbourhoods, outlined and named, in a pane of their own under the markers.
     They are not interactive: a click goes through them to the map (placing the pin). Their SVG
     gets an accessible name listing the neighbourhoods. */
  function drawAreas(el, map, config) {
    if (!config.areas || !config.areas.length) { return null; }
    // Outlines and names under the report markers (overlay pane 400, marker pane 600), so a
    // name never hides a marker.
    map.createPane("areas").style.zIndex = 350;
    map.createPane("area-names").style.zIndex = 380;
    var renderer = L.svg({ pane: "areas" });
    var layer = L.geoJSON({
      type: "FeatureCollection",
      features: config.areas.map(function (a) {
        return { type: "Feature", geometry: a.area, properties: { name: a.name } };
      })
    }, {
      renderer: renderer,
      interactive: false,
      style: { color: "#1d4ed8", weight: 2, fillColor: "#1d4ed8", fillOpacity: 0.08 },
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(feature.properties.name, {
          permanent: true, direction: "center", className: "area-label", interactive: false,
          pane: "area-names"
        });
      }
    }).addTo(map);
    layer.eachLayer(function (shape) {
      var path = shape.getElement && shape.getElement();
      if (path) { path.setAttribute("data-area", shape.feature.properties.name); }
    });
    var svg = map.getPane("areas").querySelector("svg");
    if (svg) {
      var names = config.areas.map(function (a) { return a.name; }).join(", ");
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label",
        text("areas", "Map of the neighbourhoods: %(names)s").replace("%(names)s", names));
    }
    return layer;
  }

  function browse(el, map) {
    var layer = L.layerGroup().addTo(map);
    var url = el.dataset.geojson;
    function load() {
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(",");
      var sep = url.indexOf("?") === -1 ? "?" : "&";
      fetch(url + sep + "bbox=" + bbox, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          layer.clearLayers();
          data.features.forEach(function (f) {
            var c = f.geometry.coordinates;
            var marker = L.circleMarker([c[1], c[0]], {
              radius: 8, weight: 2, color: "#1a1a1a",
              fillColor: f.properties.open ? "#d97706" : "#15803d", fillOpacity: 0.9
            });
            var link = document.createElement("a");
            link.href = f.properties.url;
            link.textContent = "#" + f.properties.id + " " + f.properties.title;
            var box = document.createElement("div");
            box.appendChild(link);
            box.appendChild(document.createElement("br"));
            box.appendChild(document.createTextNode(f.properties.category + " · " + f.properties.status_label));
            marker.bindPopup(box);
            layer.addLayer(marker);
          });
          var count = document.getElementById("civic-map-count");
          if (count) { count.textContent = data.features.length; }
        });
    }
    map.on("moveend", load);
    load();
  }

  function pick(el, map) {
    var latInput = document.getElementById(el.dataset.latInput);
    var lonInput = document.getElementById(el.dataset.lonInput);
    var marker = null;
    function place(latlng, pan) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
      if (pan) { map.setView(latlng, Math.max(map.getZoom(), 16)); }
      var status = document.getElementById("civic-map-point");
      if (status) {
        status.textContent = text("placed", "Point placed: %(point)s")
          .replace("%(point)s", latInput.value + ", " + lonInput.value);
      }
      nearby();
    }
    if (latInput.value && lonInput.value) {
      place(L.latLng(parseFloat(latInput.value), parseFloat(lonInput.value)), true);
    }
    addressSearch(el, map, function (result) {
      place(L.latLng(result.latitude, result.longitude), true);
      var status = document.getElementById("civic-map-point");
      if (status) {
        status.textContent = text("found", "Pin moved to: %(address)s")
          .replace("%(address)s", result.label);
      }
    });
    map.on("click", function (e) { place(e.latlng, false); });
    var locate = document.getElementById("civic-locate");
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          place(L.latLng(pos.coords.latitude, pos.coords.longitude), true);
        });
      });
    }

    function nearby() {
      var url = el.dataset.nearbyUrl, box = document.getElementById("civic-nearby");
      if (!url || !box) { return; }
      fetch(url + "&lat=" + latInput.value + "&lon=" + lonInput.value, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          box.innerHTML = "";
          if (!data.reports || !data.reports.length) { box.hidden = true; return; }
          box.hidden = false;
          var h = document.createElement("h2");
          h.textContent = text("nearby", "Already reported nearby");
          box.appendChild(h);
          var p = document.createElement("p");
          p.textContent = text("nearby_help", "Is it one of these? Follow it instead of sending a new report.");
          box.appendChild(p);
          var token = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
          var list = document.createElement("ul");
          data.reports.forEach(function (r) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            a.href = r.url; a.textContent = "#" + r.id + " " + r.title;
            li.appendChild(a);
            li.appendChild(document.createTextNode(" · " + r.status_label + " · " + r.distance_m + " m "));
            var form = document.createElement("form");
            form.method = "post"; form.action = r.follow_url; form.className = "inline";
            var csrf = document.createElement("input");
            csrf.type = "hidden"; csrf.name = "csrfmiddlewaretoken"; csrf.value = token;
            var button = document.createElement("button");
            button.type = "submit"; button.className = "secondary";
            button.textContent = text("follow", "Follow this one instead");
            form.appendChild(csrf); form.appendChild(button); li.appendChild(form);
            list.appendChild(li);
          });
          box.appendChild(list);
        });
    }
  }

  /* The address field moves the pin as the resident types: one search 350 ms after the last
     key (core's /addresses/search.json, rate-limited there), the best match placed at once,
     the others offered as buttons. An answer that arrives after a newer search is dropped. */
  function addressSearch(el, map, onFound) {
    var input = document.getElementById(el.dataset.addressInput);
    var list = document.getElementById("civic-address-results");
    var url = el.dataset.searchUrl;
    if (!input || !list || !url) { return; }
    var timer = null, sequence = 0;
    function clear() { list.innerHTML = ""; list.hidden = true; }
    function choose(result) {
      input.value = result.label;
      clear();
      onFound(result);
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var query = input.value.trim();
      if (query.length < 3) { clear(); return; }
      timer = setTimeout(function () {
        var mine = ++sequence, centre = map.getCenter();
        fetch(url + "?q=" + encodeURIComponent(query) + "&lat=" + centre.lat.toFixed(5) +
              "&lon=" + centre.lng.toFixed(5), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            if (mine !== sequence) { return; }
            clear();
            var results = data.results || [];
            if (!results.length) { return; }
            onFound(results[0]);
            results.slice(1).forEach(function (result) {
              var li = document.createElement("li");
              var button = document.createElement("button");
              button.type = "button"; button.className = "secondary";
              button.textContent = result.label;
              button.addEventListener("click", function () { choose(result); });
              li.appendChild(button); list.appendChild(li);
            });
            list.hidden = !list.children.length;
          })
          .catch(function () { /* offline: the map and the typed address still work */ });
      }, 350);
    });
  }

  function show(el, map) {
    var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
    if (!isNaN(lat) && !isNaN(lon)) {
      L.marker([lat, lon]).addTo(map);
      map.setView([lat, lon], 17);
    }
  }

  document.querySelectorAll(".civic-map").forEach(function (el) {
    var config = JSON.parse(document.getElementById(el.dataset.config).textContent);
    el.hidden = false;
    var map = baseMap(el, config);
    ({ browse: browse, pick: pick, show: show })[el.dataset.mode](el, map);
  });
})();
