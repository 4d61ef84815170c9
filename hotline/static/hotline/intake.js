// Intake page (受理登记) helpers on top of htmx. The page works without this file; it only adds speed:
// search and pick a category in place (with the keyboard too), send the address selects' value as ?parent=,
// let Enter in a single-line box submit with 登记并转派单 and Ctrl+Enter in a text box with the button of the
// section it is in. (Without it, the form's first button, 搜索, is the one Enter presses: nothing is registered.)
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
  var searchButton = document.getElementById("category-search-button");
  var results = document.getElementById("category-results");
  var select = document.getElementById("id_category");
  var picked = document.getElementById("category-picked");
  var enterButton = form.querySelector("button[type=submit][data-enter]"); // 登记并转派单
  var keysHint = form.querySelector(".kbd-hint");
  if (keysHint) { keysHint.hidden = false; } // the keys it describes are this script's

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
      if (button) {
        e.preventDefault(); // a submit without this script (the page comes back with it chosen)
        pick(button);
      }
    });
    if (searchButton) {
      // 搜索 without this script posts the form for the page with the results; here htmx lists them in place.
      searchButton.addEventListener("click", function (e) {
        e.preventDefault();
        search.dispatchEvent(new Event("search"));
        search.focus();
      });
    }
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

  // Enter in a single-line box submits with 登记并转派单, not with the form's first button (搜索, for the page
  // without this script); Enter while an input method is composing only confirms the characters.
  var NOT_SUBMITTING = ["button", "submit", "reset", "image", "file"];
  form.addEventListener("keydown", function (e) {
    var target = e.target;
    if (e.key !== "Enter" || e.defaultPrevented || e.isComposing || e.keyCode === 229 || e.ctrlKey || e.metaKey ||
        e.altKey || e.shiftKey || target.tagName !== "INPUT" || NOT_SUBMITTING.indexOf(target.type) >= 0 ||
        !enterButton) { return; }
    e.preventDefault();
    form.requestSubmit(enterButton);
  });

  // Ctrl+Enter (or ⌘+Enter) in a text area submits with its section's button, else with 登记并转派单.
  form.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey) || e.target.tagName !== "TEXTAREA") { return; }
    e.preventDefault();
    var section = e.target.closest("fieldset.decide-one");
    var button = (section && section.querySelector("button[type=submit]")) || enterButton;
    form.requestSubmit(button);
  });
})();
