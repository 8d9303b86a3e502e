// Know Yourself, results page: Copy and Share for the share link. Without this file the link is
// plain text to select and copy (templates/results/show.html); nothing else depends on it.
(function () {
  "use strict";
  var block = document.querySelector("[data-share-url]");
  if (!block) { return; }
  var url = block.getAttribute("data-share-url");
  var link = block.querySelector("#share-url");
  var status = block.querySelector(".share-status");
  var copy = block.querySelector("button[data-copy]");
  var share = block.querySelector("button[data-share]");

  var say = function (text) {
    // Emptied first, so the same message said twice is announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  };

  // Select the link's text, so a failed copy leaves it ready for the taker's own Copy.
  var select = function () {
    var range = document.createRange();
    range.selectNodeContents(link);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  };

  var fallback = function () {
    select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    say(block.getAttribute(done ? "data-copied" : "data-copy-failed"));
  };

  copy.addEventListener("click", function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(function () {
        say(block.getAttribute("data-copied"));
      }, fallback);
    } else {
      fallback();
    }
  });

  if (typeof navigator.share === "function") {
    share.hidden = false;
    share.addEventListener("click", function () {
      navigator.share({ title: block.getAttribute("data-share-title"), url: url }).catch(function () {
        /* dismissed by the taker, or refused: nothing to say */
      });
    });
  }
  block.querySelector(".share-actions").hidden = false;
})();
