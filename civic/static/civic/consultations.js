// Consultation pages. The staff preview (/staff/consultations/<id>/preview/) shows the answer form
// as residents see it, but nothing may be sent from it: its submission is cancelled here (no
// inline handler: the Content-Security-Policy refuses them).
"use strict";
document.querySelectorAll("form[data-preview]").forEach(function (form) {
  form.addEventListener("submit", function (event) { event.preventDefault(); });
});
