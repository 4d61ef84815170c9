// Screen pop (来电弹屏): ask every 2 s for my answered call; show the caller's history and a link that
// opens the intake page with the number filled in. Stops when the account has no PBX extension.
// While a call is shown the script sends its key (?shown=…, the call's row id: PBX call ids repeat across
// PBXs); the server then answers {"key": …, "same": true} without the history, and the banner stays.
(function () {
  "use strict";
  var box = document.getElementById("screen-pop");
  if (!box || !window.fetch) { return; }
  var shown = null;
  var timer = null;

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) { el.className = cls; }
    return el;
  }

  function render(call) {
    if (!call) { box.hidden = true; shown = null; return; }
    if (shown === call.key) { return; }  // the same call ("same": true, or a full answer for it)
    if (call.same) { shown = null; return; }  // an answer for a call this banner no longer shows: ask in full
    shown = call.key;
    box.replaceChildren();
    box.appendChild(text("strong", box.dataset.labelCall + " " + call.caller + " · " + call.answered_at));
    if (call.tags && call.tags.length) {  // 来电人标签: what the next agent must know at once
      var tags = document.createElement("p");
      call.tags.forEach(function (t) {
        tags.appendChild(text("span", t.name, t.sensitive ? "tag warn" : "tag"));
        tags.appendChild(document.createTextNode(" "));
      });
      if (call.note) { tags.appendChild(text("span", call.note, "muted")); }
      box.appendChild(tags);
    }
    var summary = call.orders_total
      ? box.dataset.labelOrders + " " + call.orders_total + " · " + box.dataset.labelOpen + " " + call.open_total
      : box.dataset.labelNone;
    box.appendChild(text("p", summary, "muted"));
    if (call.latest.length) {
      var list = document.createElement("ul");
      call.latest.forEach(function (t) {
        var li = document.createElement("li");
        var a = text("a", t.number);
        a.href = t.url;
        li.appendChild(a);
        li.appendChild(document.createTextNode(" " + t.registered + " " + t.status + " " + t.title));
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    var open = text("a", box.dataset.labelIntake, "button primary");
    open.href = call.intake_url;
    box.appendChild(open);
    box.hidden = false;
  }

  function poll() {
    var url = box.dataset.url + (shown === null ? "" : "?shown=" + encodeURIComponent(shown));
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || data.agent === false) { clearInterval(timer); box.hidden = true; return; }
        render(data.call);
      })
      .catch(function () { /* the next poll tries again */ });
  }

  poll();
  timer = setInterval(poll, 2000);
})();
