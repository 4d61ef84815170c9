// Step forms act once: after the first submit, their buttons are disabled, so a double click on 派单 (or any
// step, or a bulk action) does not post the same step again and answer with a stale-page 409. Applies to the
// POST forms marked data-submit-once and to the order page's step forms (.step-form); GET forms (filters,
// downloads) are left alone, and the buttons come back after 10 s if the page was not replaced. The server
// stays the guard; this only spares the user a confusing second answer.
(function () {
  "use strict";
  if (window.hotlineSubmitOnce) { return; }
  window.hotlineSubmitOnce = true;
  var SELECTOR = "form[data-submit-once], form.step-form";

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (e.defaultPrevented || !form.matches || !form.matches(SELECTOR)) { return; }
    // Only steps that change something: a GET form (a filter, a file to download) stays usable.
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") { return; }
    if (form.dataset.submitted) { e.preventDefault(); return; }
    form.dataset.submitted = "1";
    // Disabled later, not now: a disabled button is left out of the data being sent (e.g. name="action").
    var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
    window.setTimeout(function () {
      buttons.forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
      });
    }, 0);
    // An answer that does not replace the page (a file, a lost connection) gives the buttons back.
    window.setTimeout(function () {
      delete form.dataset.submitted;
      buttons.forEach(function (button) {
        button.disabled = false;
        button.removeAttribute("aria-disabled");
      });
    }, 10000);
  });

  // A page shown again from the back/forward cache gets its buttons back.
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) { return; }
    document.querySelectorAll(SELECTOR).forEach(function (form) {
      delete form.dataset.submitted;
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
        button.disabled = false;
        button.removeAttribute("aria-disabled");
      });
    });
  });
})();
