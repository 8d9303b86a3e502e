// Know Yourself: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  // Bring the error summary (or a notice) to the keyboard and screen reader, for browsers that
  // ignore `autofocus` on a non-form element.
  var box = document.querySelector(".error-summary, .notice[autofocus]");
  if (box && document.activeElement !== box) { box.focus(); }

  // A reload must not lose ticks not yet sent with Next: they are kept in sessionStorage (this
  // tab only), keyed by the form's action, which names the draft and the page. On load they come
  // back for the questions the server has no answer for; the server's answers win. The form's
  // own submit sends them to the server, so the copy is dropped then.
  var form = document.querySelector("form[data-keep]");
  var store = null;
  try { store = window.sessionStorage; } catch (e) { /* storage blocked: nothing is kept */ }
  if (form && store) {
    var key = "quiz-ticks:" + form.getAttribute("action");
    var inputs = {};  // question id: its inputs
    each(form.querySelectorAll("fieldset.question input"), function (input) {
      (inputs[input.name] = inputs[input.name] || []).push(input);
    });
    var kept = null;
    try { kept = JSON.parse(store.getItem(key) || "null"); } catch (e) { kept = null; }
    if (kept && typeof kept === "object") {
      Object.keys(kept).forEach(function (name) {
        var group = inputs[name], values = kept[name];
        if (!group || !Array.isArray(values)) { return; }
        // `defaultChecked` is the `checked` attribute: the answer the server rendered.
        if (group.some(function (input) { return input.defaultChecked; })) { return; }
        group.forEach(function (input) { input.checked = values.indexOf(input.value) >= 0; });
      });
    }
    form.addEventListener("change", function () {
      var ticks = {};
      Object.keys(inputs).forEach(function (name) {
        ticks[name] = inputs[name].filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
      });
      try { store.setItem(key, JSON.stringify(ticks)); } catch (e) { /* full or blocked */ }
    });
    form.addEventListener("submit", function () {
      try { store.removeItem(key); } catch (e) { /* blocked */ }
    });
  }

  // "Choose up to N": every box stays usable (a taker may tick a new one before unticking an old
  // one); past the limit, the live line under the hint says so at once, in the page's words
  // (data-over), and clears when the ticks are back within it. The server checks too, and the page
  // works without this.
  each(document.querySelectorAll("fieldset[data-max]"), function (fieldset) {
    var max = parseInt(fieldset.getAttribute("data-max"), 10);
    var words = fieldset.getAttribute("data-over") || "";
    var line = fieldset.querySelector(".live");
    var boxes = fieldset.querySelectorAll("input[type=checkbox]");
    if (!line || !max) { return; }
    var count = function () {
      var ticked = 0;
      each(boxes, function (b) { ticked += b.checked ? 1 : 0; });
      var over = ticked > max;
      line.textContent = over ? words.replace("{n}", String(ticked)) : "";
      fieldset.classList.toggle("over", over);
    };
    fieldset.addEventListener("change", count);
    // A page the server sent back with this very problem already says so: no second message.
    if (!fieldset.classList.contains("invalid")) { count(); }
  });

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
