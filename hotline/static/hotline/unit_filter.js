// Type-to-filter for the handling-unit selects (UnitSelect in hotline/workbench/forms.py): typing 「住建」 in the
// box above the select hides the units whose name, parents (data-filter) and group do not contain it; several
// words must all match. Selected units always stay visible, so a filter never hides what will be sent.
// Keyboard: Enter or ↓ goes to the list (Enter also picks the first match of a single select), Esc clears.
// Without this file the box stays hidden and the grouped select works alone.
(function () {
  "use strict";
  if (window.hotlineUnitFilter) { return; }
  window.hotlineUnitFilter = true;

  function terms(text) {
    return text.toLowerCase().split(/\s+/).filter(function (t) { return t; });
  }

  function apply(box) {
    var select = document.getElementById(box.getAttribute("aria-controls"));
    if (!select) { return; }
    var words = terms(box.value);
    var shown = 0;
    Array.prototype.forEach.call(select.options, function (option) {
      if (option.value === "") { return; }  // —请选择— stays
      var group = option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : "";
      var text = (option.text + " " + (option.dataset.filter || "") + " " + group).toLowerCase();
      var match = words.every(function (w) { return text.indexOf(w) !== -1; });
      option.hidden = !(match || option.selected);
      if (match) { shown += 1; }
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      group.hidden = !Array.prototype.some.call(group.children, function (o) { return !o.hidden; });
    });
    var count = box.parentNode.querySelector(".unit-filter-count");
    if (count) {
      count.hidden = !words.length;
      count.textContent = words.length ? count.dataset.text.replace("{n}", shown) : "";
    }
    return select;
  }

  function firstMatch(select) {
    return Array.prototype.find.call(select.options, function (o) { return o.value !== "" && !o.hidden; });
  }

  function init(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-unit-picker] .unit-filter").forEach(
      function (box) { box.hidden = false; if (box.value) { apply(box); } });
  }

  document.addEventListener("input", function (e) {
    if (e.target.classList && e.target.classList.contains("unit-filter")) { apply(e.target); }
  });

  document.addEventListener("keydown", function (e) {
    var box = e.target;
    if (!box.classList || !box.classList.contains("unit-filter")) { return; }
    var select = document.getElementById(box.getAttribute("aria-controls"));
    if (!select) { return; }
    if (e.key === "Enter") {
      e.preventDefault();  // never submit the step from the filter box
      var first = firstMatch(select);
      if (!select.multiple && first) {
        select.value = first.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      select.focus();
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      select.focus();
    } else if (e.key === "Escape" && box.value) {
      e.preventDefault();
      box.value = "";
      apply(box);
    }
  });

  // Content that htmx swaps in (a refreshed step list, a bulk bar) gets its boxes too.
  document.addEventListener("htmx:load", function (e) { init(e.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
