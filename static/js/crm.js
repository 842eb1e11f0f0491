// Behaviour shared by every page, kept in a file so the Content Security Policy allows no inline script.
(function () {
  "use strict";
  // A select marked data-autosubmit submits its form when changed (the language switch).
  document.addEventListener("change", function (event) {
    var select = event.target.closest ? event.target.closest("select[data-autosubmit]") : null;
    if (select && select.form) { select.form.submit(); }
  });
})();
