// Checks ICD-10-CM codes against the code set while staff type, and offers billable codes below
// what was typed. The server checks again on save; this only saves a round trip.
(function () {
  "use strict";
  var list = document.getElementById("code-suggestions");
  function check(input) {
    var info = document.getElementById(input.id + "-info");
    var q = input.value.trim();
    if (!q) { info.textContent = ""; info.className = "code-info"; input.removeAttribute("aria-invalid"); return; }
    fetch("/api/codes?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || input.value.trim() !== q) { return; }
        if (data.valid) {
          info.textContent = data.code + ": " + data.description + (data.note ? " (note: " + data.note + ")" : "");
          info.className = data.note ? "code-info" : "code-info good";
          input.setAttribute("aria-invalid", "false");
        } else {
          info.textContent = data.problem || "Not a code";
          info.className = "code-info bad";
          input.setAttribute("aria-invalid", "true");
        }
        if (list) {
          list.textContent = "";
          data.suggestions.forEach(function (s) {
            var opt = document.createElement("option");
            opt.value = s.code;
            opt.label = s.code + " " + s.description;
            list.appendChild(opt);
          });
        }
      })
      .catch(function () { /* offline: the server still checks on save */ });
  }
  var timers = {};
  document.querySelectorAll("input.code-input").forEach(function (input) {
    input.addEventListener("input", function () {
      clearTimeout(timers[input.id]);
      timers[input.id] = setTimeout(function () { check(input); }, 200);
    });
    if (input.value.trim()) { check(input); }
  });
})();
