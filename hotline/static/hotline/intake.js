// Intake page (受理登记) helpers on top of htmx. The page works without this file; it only adds speed:
// pick a searched category with the keyboard, send the address selects' value as ?parent=, and let
// Ctrl+Enter in a text box submit with the button of the section it is in.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) { return; }

  // Back (or Forward) to this page shows a stale form: restored from the back/forward cache, or re-fetched
  // with a new one-time token and some fields refilled by the browser. Submitting it could register a second
  // order without the caller's details, so load it afresh (a GET, never a re-POST of a refused page) instead.
  window.addEventListener("pageshow", function (e) {
    var nav = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    if (e.persisted || (nav && nav.type === "back_forward")) {
      form.reset();
      window.location.replace(window.location.href);
    }
  });
  // 主动发现（未诉先办）: nobody called, so the caller's fields are hidden (and disabled: not sent) and the hint
  // shown. Without this script every field stays on the page and the form refuses a phone on such an order.
  var channel = document.getElementById("id_channel");
  var hint = document.getElementById("proactive-hint");
  function showCaller() {
    var proactive = channel.value === hint.dataset.channel;
    hint.hidden = !proactive;
    Array.prototype.forEach.call(form.querySelectorAll(".caller-only"), function (box) {
      box.style.display = proactive ? "none" : "";
      Array.prototype.forEach.call(box.querySelectorAll("input, select, textarea"), function (input) {
        input.disabled = proactive;
      });
    });
  }
  if (channel && hint) {
    channel.addEventListener("change", showCaller);
    showCaller();
  }

  var search = document.getElementById("category-search");
  var results = document.getElementById("category-results");
  var select = document.getElementById("id_category");
  var picked = document.getElementById("category-picked");

  // htmx sends a select under its own name (district=…); the areas endpoint wants parent=….
  document.body.addEventListener("htmx:configRequest", function (e) {
    var elt = e.detail.elt;
    if (elt.dataset && elt.dataset.param && elt.name) {
      e.detail.parameters[elt.dataset.param] = elt.value;
      delete e.detail.parameters[elt.name];
    }
  });

  // The street list starts with every street, so a quick agent may pick the street before the district's
  // list arrives. A new list keeps the choice already made when it is still among its options; only a
  // street that is gone empties the community list (its list belonged to that street).
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (target && (target.id === "id_street" || target.id === "id_community")) { target.dataset.kept = target.value; }
  });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail.target;
    if (!target || (target.id !== "id_street" && target.id !== "id_community")) { return; }
    var kept = target.dataset.kept || "";
    delete target.dataset.kept;
    if (kept) { target.value = kept; }
    if (target.id === "id_street" && (!kept || target.value !== kept)) {
      var community = document.getElementById("id_community");
      while (community.options.length > 1) { community.remove(1); }
      community.value = "";
    }
  });

  // 地址识别 「填入」 (in the 智能研判 panel): choose the district, then — once htmx has loaded its streets —
  // the street, then the community, each through its select's own change event.
  var pendingPlace = null;

  function choose(id, value) {
    var el = document.getElementById(id);
    if (!el || !value) { return false; }
    el.value = value;
    if (el.value !== value) { return false; } // not among the options (the list changed meanwhile)
    el.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  document.body.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-place-fill]");
    if (!button) { return; }
    pendingPlace = { street: button.dataset.street, community: button.dataset.community };
    if (!choose("id_district", button.dataset.district)) { pendingPlace = null; }
  });

  document.body.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail.target;
    if (!pendingPlace || !target) { return; }
    if (target.id === "id_street") {
      var street = pendingPlace.street;
      if (!pendingPlace.community) { pendingPlace = null; }
      if (!choose("id_street", street)) { pendingPlace = null; }
    } else if (target.id === "id_community") {
      var community = pendingPlace.community;
      pendingPlace = null;
      choose("id_community", community);
    }
  });

  function pickButtons() { return Array.prototype.slice.call(results.querySelectorAll("button.pick")); }

  function clearResults() { results.replaceChildren(); }

  function pick(button) {
    select.value = button.dataset.id;
    if (picked) { picked.textContent = button.dataset.label; }
    clearResults();
    select.focus();
  }

  if (search && results && select) {
    results.addEventListener("click", function (e) {
      var button = e.target.closest("button.pick");
      if (button) { pick(button); }
    });
    search.addEventListener("keydown", function (e) {
      var buttons = pickButtons();
      if (e.key === "Enter") {
        e.preventDefault(); // Enter here picks a category, it never submits the order
        if (buttons.length) { pick(buttons[0]); }
      } else if (e.key === "ArrowDown" && buttons.length) {
        e.preventDefault();
        buttons[0].focus();
      } else if (e.key === "Escape") {
        clearResults();
      }
    });
    results.addEventListener("keydown", function (e) {
      var buttons = pickButtons();
      var i = buttons.indexOf(document.activeElement);
      if (i < 0) { return; }
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        var next = i + (e.key === "ArrowDown" ? 1 : -1);
        if (next < 0) { search.focus(); } else if (next < buttons.length) { buttons[next].focus(); }
      } else if (e.key === "Escape") {
        clearResults();
        search.focus();
      }
    });
    select.addEventListener("change", function () {
      if (picked) { picked.textContent = select.selectedIndex > 0 ? select.options[select.selectedIndex].parentNode.label + "/" + select.options[select.selectedIndex].text : ""; }
    });
  }

  // Ctrl+Enter (or ⌘+Enter) in a text area submits with its section's button, else the default one.
  form.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey) || e.target.tagName !== "TEXTAREA") { return; }
    e.preventDefault();
    var section = e.target.closest("fieldset.decide-one");
    var button = (section && section.querySelector("button[type=submit]")) ||
      form.querySelector("button[type=submit][name=decision]");
    form.requestSubmit(button);
  });
})();
