// Know Yourself: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // Bring the error summary (or a notice) to the keyboard and screen reader, for browsers that
  // ignore `autofocus` on a non-form element.
  var box = document.querySelector(".error-summary, .notice[autofocus]");
  if (box && document.activeElement !== box) { box.focus(); }

  // One press of a submit button sends one form: a double tap on a slow phone must not post
  // twice (the server copes, but the taker should not see two loads). The button stays enabled
  // so that its name and value are still sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("data-sending")) { event.preventDefault(); return; }
    form.setAttribute("data-sending", "1");
    form.setAttribute("aria-busy", "true");
    // If the page comes back from the back-forward cache, let the form be sent again.
    window.addEventListener("pageshow", function () {
      form.removeAttribute("data-sending");
      form.removeAttribute("aria-busy");
    }, { once: true });
  });
})();
