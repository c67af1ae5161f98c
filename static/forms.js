/* Forms (templates/_macros/forms.html): when a page comes back with errors, put the focus
   on the first field that has one (aria-invalid="true"), so keyboard and screen-reader
   users start where the form needs them; a form with only errors of its own (a failed
   login) gets the focus on its first field. The errors are linked to their fields with
   aria-describedby, so the field's error is read out with it. Without this script the
   errors are still shown, linked and announced (role="alert"). */
(function () {
  "use strict";
  function firstError() {
    var invalid = document.querySelector('main [aria-invalid="true"]');
    if (invalid) return invalid;
    var alert = document.querySelector("main form .form-errors");
    if (!alert) return null;
    return alert.closest("form").querySelector(
      'input:not([type="hidden"]):not([disabled]), select:not([disabled]), textarea:not([disabled])'
    );
  }
  function focusFirstError() {
    var target = firstError();
    if (target && document.activeElement !== target) target.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirstError);
  } else {
    focusFirstError();
  }
})();
