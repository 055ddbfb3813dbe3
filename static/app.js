// keybind console behaviour that htmx attributes cannot express. Loaded as an
// external script (CSP allows 'self' only); no inline handlers anywhere.
(function () {
  "use strict";
  // Error answers are swapped into the flash region by the server (see the
  // htmx-config responseHandling); this covers requests that got no answer.
  document.addEventListener("htmx:sendError", function () {
    var region = document.getElementById("flash-region");
    if (!region) return;
    var msg = document.createElement("div");
    msg.className = "flash flash-error";
    msg.setAttribute("role", "alert");
    msg.textContent = "keybind could not be reached. Check your connection and try again.";
    region.appendChild(msg);
  });
  // Forms marked data-submit-once disable their submit buttons once sent, so
  // a double click cannot send them twice (creating a key pair twice would
  // lose the first private key).
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.matches || !form.matches("form[data-submit-once]")) return;
    window.setTimeout(function () {
      form.querySelectorAll('button[type="submit"], button:not([type])').forEach(function (b) {
        b.disabled = true;
        b.setAttribute("aria-busy", "true");
      });
    }, 0);
  });
  // A page restored from the back/forward cache gets its buttons back.
  window.addEventListener("pageshow", function (evt) {
    if (!evt.persisted) return;
    document.querySelectorAll("form[data-submit-once] button[disabled][aria-busy]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("aria-busy");
    });
  });
})();
