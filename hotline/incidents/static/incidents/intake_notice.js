// Incident notices on the intake page (突发事件 · 临时口径): as the agent types the title, description or address,
// or picks the area or category, ask /incidents/match/ (debounced, the latest answer wins) for the published
// incidents the matter matches, and show them. 「按口径答复」 copies the incident's script into the 直接答复
// box and, when no request type is chosen yet, marks the request as an enquiry (咨询); it never submits: the
// agent checks it and presses 直接答复, which registers and closes the order through the real services (the
// order is then counted among the incident's calls, answered by the script).
(function () {
  "use strict";
  var box = document.getElementById("incident-notice");
  if (!box) { return; }
  var form = document.getElementById("intake-form") || document;
  var list = document.getElementById("incident-notice-list");
  var status = document.getElementById("incident-notice-status");
  // What is sent, and how much of each text (a GET line stays short; the first lines say what the call is about).
  var FIELDS = [["title", 60], ["description", 240], ["address", 60], ["district", 12], ["street", 12],
                ["community", 12], ["category", 12]];
  var timer = null;
  var asked = null;
  var serial = 0;

  function query() {
    var channel = document.getElementById("id_channel");
    if (channel && channel.value === "proactive") { return ""; } // 未诉先办: nobody is calling
    var params = new URLSearchParams();
    FIELDS.forEach(function (pair) {
      var el = document.getElementById("id_" + pair[0]);
      var value = el ? (el.value || "").trim().slice(0, pair[1]) : "";
      if (value) { params.set(pair[0], value); }
    });
    return params.toString();
  }

  function show(html) {
    list.innerHTML = html;
    box.hidden = !list.querySelector("[data-incident]");
    if (box.hidden) { status.textContent = ""; }
  }

  function ask() {
    var q = query();
    if (q === asked) { return; }
    asked = q;
    if (!q) { show(""); return; }
    var mine = ++serial;
    fetch(box.dataset.url + "?" + q, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { return r.ok && !r.redirected ? r.text() : ""; })
      .then(function (html) { if (mine === serial) { show(html.indexOf("data-incident-matches") >= 0 ? html : ""); } })
      .catch(function () { /* the notice is a help only: the page works without it */ });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, 400);
  }

  function fill(button) {
    var script = document.getElementById(button.dataset.incidentFill);
    var answer = document.getElementById("id_answer");
    if (!script || !answer) { return; }
    answer.value = script.textContent.trim();
    var chosen = document.querySelector('input[name="request_type"]:checked');
    var consult = document.querySelector('input[name="request_type"][value="consult"]');
    if (!chosen && consult) { consult.checked = true; }
    status.textContent = !chosen && consult ? box.dataset.filledConsult : box.dataset.filled;
    answer.focus();
  }

  box.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-incident-fill]");
    if (button) { fill(button); }
  });
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  // The category picker and the address helpers set their selects without an event: look again now and then
  // (nothing is asked unless what would be sent has changed).
  setInterval(ask, 2000);
  ask();
}());
