// keybind console behaviour that htmx attributes cannot express. Loaded as an
// external script (CSP allows 'self' only); no inline handlers anywhere.
(function () {
  "use strict";
  // A failed htmx request shows the server's message in the flash region
  // instead of failing silently.
  document.addEventListener("htmx:responseError", function (evt) {
    var region = document.getElementById("flash-region");
    if (!region) return;
    var msg = document.createElement("div");
    msg.className = "flash flash-error";
    msg.setAttribute("role", "alert");
    var text = "The request failed (HTTP " + evt.detail.xhr.status + ").";
    var rid = evt.detail.xhr.getResponseHeader("X-Request-Id");
    if (rid) text += " Request ID: " + rid;
    msg.textContent = text;
    region.appendChild(msg);
  });
  // Checkboxes with data-check-all="name" tick or untick every checkbox of
  // that name in the same form.
  document.addEventListener("change", function (evt) {
    var box = evt.target;
    if (!box.matches || !box.matches("input[data-check-all]")) return;
    var form = box.form;
    if (!form) return;
    form.querySelectorAll('input[type="checkbox"][name="' + box.dataset.checkAll + '"]').forEach(function (el) {
      if (!el.disabled) el.checked = box.checked;
    });
  });
})();
