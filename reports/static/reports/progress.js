// Live progress of the reports being generated: polls each one's small JSON endpoint.
(function () {
  "use strict";
  var rows = document.querySelectorAll("[data-report-progress]");
  function poll(row) {
    fetch(row.getAttribute("data-report-progress"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var bar = row.querySelector("progress");
        var status = row.querySelector("[data-status]");
        if (bar) { bar.value = data.progress; bar.textContent = data.progress + " %"; }
        if (status) { status.textContent = data.status_label + (data.reason ? " — " + data.reason : ""); }
        if (data.status === "done" && data.file) {
          var link = row.querySelector("[data-file]");
          if (link) { link.href = data.file; link.hidden = false; }
        }
        if (data.status === "queued" || data.status === "running") {
          setTimeout(function () { poll(row); }, 2000);
        }
      })
      .catch(function () { setTimeout(function () { poll(row); }, 5000); });
  }
  rows.forEach(function (row) { poll(row); });
})();
