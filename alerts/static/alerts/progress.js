/* The alert page while sending: counts and progress bar refreshed every two seconds. */
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || box.dataset.complete === "1") { return; }
  function refresh() {
    fetch(box.dataset.url, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        document.getElementById("progress-bar").value = data.percent;
        Object.keys(data.counts).forEach(function (key) {
          var cell = box.querySelector("[data-count=" + key + "]");
          if (cell) { cell.textContent = data.counts[key]; }
        });
        document.getElementById("progress-text").textContent =
          data.handed_over + " / " + data.total;
        var stalled = document.getElementById("progress-stalled");
        if (stalled) {
          stalled.textContent = data.stalled || "";
          stalled.hidden = !data.stalled;
        }
        if (data.complete) { window.location.reload(); } else { setTimeout(refresh, 2000); }
      })
      .catch(function () { setTimeout(refresh, 5000); });
  }
  setTimeout(refresh, 2000);
})();
