/* The group buy's page while it is open: the bars, the total, the prices and the household's
   estimate are refreshed from progress.json without reloading. It asks every 5 s while the
   numbers move, less and less often (up to every 60 s) while they do not or the server fails,
   not at all while the tab is hidden, and stops once the group buy is closed. */
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || box.dataset.status !== "open" || !window.fetch) { return; }
  var FIRST = 5000, MOST = 60000;
  var delay = FIRST;
  var timer = null;
  var last = "";

  function show(data) {
    document.getElementById("to-minimum").value = data.minimum_percent;
    var tier = document.getElementById("next-tier");
    tier.hidden = data.next_tier_percent === null;
    if (data.next_tier_percent !== null) {
      document.getElementById("to-next-tier").value = data.next_tier_percent;
    }
    Object.keys(data.text).forEach(function (key) {
      var node = document.querySelector("[data-live=" + key + "]");
      if (!node) { return; }
      node.textContent = data.text[key];
      if (key === "to_minimum") { node.hidden = !data.text[key]; }
    });
    box.dataset.status = data.status;
  }

  function schedule(next) {
    delay = Math.min(next, MOST);
    timer = setTimeout(refresh, delay);
  }

  function refresh() {
    timer = null;
    if (document.hidden) { return; }  // visibilitychange starts again
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (body) {
        var data = JSON.parse(body);
        var changed = body !== last;
        last = body;
        show(data);
        if (data.status === "open") { schedule(changed ? FIRST : delay * 1.5); }
      })
      .catch(function () { schedule(delay * 2); });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && timer === null && box.dataset.status === "open") {
      delay = FIRST;
      refresh();
    }
  });
  schedule(FIRST);
})();
