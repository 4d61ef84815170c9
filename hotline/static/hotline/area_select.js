// Cascading address selects outside the intake page (工单更正 on the order page). The form works without
// this file: the service checks that the levels fit together. With it, htmx sends the chosen district or
// street as ?parent= (the areas endpoint's parameter), and a new district empties the community list
// (its options belonged to the old street).
(function () {
  "use strict";
  document.body.addEventListener("htmx:configRequest", function (e) {
    var elt = e.detail.elt;
    if (elt.dataset && elt.dataset.areaParam && elt.name) {
      e.detail.parameters[elt.dataset.areaParam] = elt.value;
      delete e.detail.parameters[elt.name];
    }
  });
  document.body.addEventListener("change", function (e) {
    var clears = e.target.dataset && e.target.dataset.areaClears;
    var lower = clears && document.getElementById(clears);
    if (lower) {
      for (var i = lower.options.length - 1; i >= 0; i--) {
        if (lower.options[i].value) { lower.remove(i); }
      }
      lower.value = "";
    }
  });
})();
