/* The alert page while messages are on their way: the counts, the delivered percentage and the
   sentence under the bar are refreshed until no message is waiting for its final receipt (queued,
   accepted or only "sent"), asking less and less often (1 s, then up to every 15 s). */
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || box.dataset.pending === "0") { return; }
  var delay = 1000;
  var text = document.getElementById("progress-text");

  function show(data) {
    document.getElementById("progress-bar").value = data.delivered_percent;
    document.getElementById("progress-bar").textContent = data.delivered_percent + " %";
    document.getElementById("progress-percent").textContent = data.delivered_percent;
    Object.keys(data.counts).forEach(function (key) {
      var cell = box.querySelector("[data-count=" + key + "]");
      if (cell) { cell.textContent = data.counts[key]; }
    });
    text.textContent = text.dataset.template
      .replace("%(handed_over)s", data.handed_over)
      .replace("%(total)s", data.total)
      .replace("%(delivered)s", data.counts.delivered);
    box.dataset.pending = String(data.pending);
    var stalled = document.getElementById("progress-stalled");
    if (stalled) {
      stalled.textContent = data.stalled || "";
      stalled.hidden = !data.stalled;
    }
  }

  function again(next) {
    delay = Math.min(next, 15000);
    setTimeout(refresh, delay);
  }

  function refresh() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        show(data);
        if (data.pending > 0 || !data.complete) {
          again(delay * 1.5);
        } else {
          var heading = document.getElementById("progress-h");
          heading.textContent = heading.dataset.done;
        }
      })
      .catch(function () { again(delay * 2); });
  }
  setTimeout(refresh, delay);
})();
