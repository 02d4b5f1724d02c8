/* The compose page: hazard templates fill the form; the SMS counter and the recipient
   estimate follow what is typed. */
(function () {
  "use strict";
  var form = document.getElementById("alert-form");
  if (!form) { return; }
  var templates = JSON.parse(document.getElementById("hazard-templates").textContent);
  var body = form.elements["sms_body"], counter = document.getElementById("sms-counter");
  var estimate = document.getElementById("recipient-estimate");
  var hoodBox = document.getElementById("neighbourhood-choice");
  // Django's JavaScript catalogue (jsi18n) provides these; the fallbacks keep English.
  var gettext = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\((\w+)\)s/g, function (_m, key) { return String(obj[key]); });
  };

  function fill() {
    var hazard = form.elements["hazard"].value, language = form.elements["language"].value;
    var fields = templates[hazard] && templates[hazard][language];
    if (!fields) { return; }
    Object.keys(fields).forEach(function (name) {
      var input = form.elements[name];
      if (input && name !== "hazard" && name !== "language") { input.value = fields[name]; }
    });
    update();
  }

  function target() { return form.querySelector("input[name=target]:checked"); }

  function update() {
    var info = window.smsSegments(body.value);
    var text = interpolate(ngettext(
      "%(characters)s characters · %(encoding)s · %(segments)s segment",
      "%(characters)s characters · %(encoding)s · %(segments)s segments", info.segments),
      {characters: info.characters, encoding: info.encoding, segments: info.segments}, true);
    if (info.non_gsm.length) {
      text += " · " + interpolate(gettext("not GSM-7: %(letters)s"),
        {letters: info.non_gsm.join(" ")}, true);
    }
    counter.textContent = text;
    var whole = !target() || target().value === "council";
    hoodBox.hidden = whole;
    refreshEstimate();
  }

  var timer = null;
  function refreshEstimate() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var params = new URLSearchParams();
      params.set("text", body.value);
      params.set("target", target() ? target().value : "council");
      form.querySelectorAll("input[name=neighbourhoods]:checked").forEach(function (box) {
        params.append("neighbourhoods", box.value);
      });
      fetch(form.dataset.estimateUrl + "?" + params.toString(), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          estimate.textContent = interpolate(ngettext(
            "%(count)s recipient · about %(seconds)s s to send",
            "%(count)s recipients · about %(seconds)s s to send", data.recipients),
            {count: data.recipients, seconds: data.seconds}, true);
        });
    }, 300);
  }

  form.elements["hazard"].addEventListener("change", fill);
  form.elements["language"].addEventListener("change", function () {
    if (form.elements["hazard"].value) { fill(); }
  });
  body.addEventListener("input", update);
  form.addEventListener("change", function (event) {
    if (event.target.name === "target" || event.target.name === "neighbourhoods") { update(); }
  });
  update();
})();
