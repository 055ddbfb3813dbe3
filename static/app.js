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
    msg.textContent = region.dataset.sendError || "keybind could not be reached. Check your connection and try again.";
    region.appendChild(msg);
  });
  // The sign-in form tells the server the browser's time zone, the
  // default for times shown to a person who has not chosen one.
  var browserZone = "";
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    browserZone = "";
  }
  document.querySelectorAll("input[data-browser-tz]").forEach(function (input) {
    input.value = browserZone;
  });
  if (browserZone) {
    document.querySelectorAll("a[data-browser-tz-link]").forEach(function (a) {
      a.href += (a.href.indexOf("?") < 0 ? "?" : "&") + "tz=" + encodeURIComponent(browserZone);
    });
  }
  // Forms marked data-submit-once disable their submit buttons once sent, so
  // a double click cannot send them twice (creating a key pair twice would
  // lose the first private key).
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.matches || !form.matches("form[data-submit-once]")) return;
    window.setTimeout(function () {
      var buttons = Array.prototype.slice.call(form.querySelectorAll('button[type="submit"], button:not([type])'));
      if (form.id) buttons = buttons.concat(Array.prototype.slice.call(document.querySelectorAll('button[form="' + form.id + '"]')));
      buttons.forEach(function (b) {
        b.disabled = true;
        b.setAttribute("aria-busy", "true");
      });
    }, 0);
  });
  // A page restored from the back/forward cache gets its buttons back.
  window.addEventListener("pageshow", function (evt) {
    if (!evt.persisted) return;
    document.querySelectorAll("button[disabled][aria-busy]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("aria-busy");
    });
  });

  // Confirmation dialogs: the server answers an unconfirmed restart with a
  // <dialog data-modal> swapped into #confirm-slot; it opens as a modal,
  // closes on Cancel, Escape or once the confirmed request succeeded, and
  // gives focus back to the button that opened it.
  var opener = null;
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var slot = evt.detail.target;
    if (slot && slot.id === "confirm-slot") opener = document.activeElement && document.activeElement.id;
  });
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (!evt.detail.target || evt.detail.target.id !== "confirm-slot") return;
    var dialog = evt.detail.target.querySelector("dialog[data-modal]");
    if (!dialog) return;
    dialog.dataset.opener = opener || "";
    dialog.addEventListener("close", function () {
      var back = dialog.dataset.opener && document.getElementById(dialog.dataset.opener);
      dialog.remove();
      if (back) back.focus();
    });
    dialog.showModal();
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var elt = evt.detail.elt;
    if (!evt.detail.successful || !elt || elt.id !== "confirm-form") return;
    var dialog = elt.closest("dialog");
    if (dialog && dialog.open) dialog.close();
  });

  // The result grid: polls swap only what changed, keeping focus and scroll.
  // Should the focused element be gone after a swap (its row left the
  // filter), focus goes to the grid's heading instead of the page's top.
  // The live region announces the counts when they change.
  var focused = null;
  var anchor = null;
  document.addEventListener("htmx:beforeSwap", function () {
    focused = document.activeElement;
    anchor = gridAnchor();
  });
  // Rows above the one in view may change height when swapped; the grid's
  // box is scrolled by as much, so what the person looks at stays put.
  function gridAnchor() {
    var box = document.getElementById("grid-scroll");
    if (!box) return null;
    var top = box.getBoundingClientRect().top;
    var el = box.contains(document.activeElement) ? document.activeElement : null;
    if (!el) {
      var rows = box.querySelectorAll("tbody tr");
      for (var i = 0; i < rows.length && !el; i++) {
        if (rows[i].getBoundingClientRect().bottom > top) el = rows[i];
      }
    }
    return el && el.id ? { id: el.id, offset: el.getBoundingClientRect().top - top } : null;
  }
  document.addEventListener("htmx:afterSwap", function () {
    var box = document.getElementById("grid-scroll");
    var el = anchor && document.getElementById(anchor.id);
    if (!box || !el || !box.contains(el)) return;
    var moved = el.getBoundingClientRect().top - box.getBoundingClientRect().top - anchor.offset;
    if (Math.abs(moved) >= 1) box.scrollTop += moved;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var active = document.activeElement;
    if (focused && focused !== document.body && (!active || active === document.body) && !document.body.contains(focused)) {
      var again = focused.id && document.getElementById(focused.id);
      var heading = document.getElementById("grid-heading");
      if (again) again.focus({ preventScroll: true });
      else if (heading) heading.focus({ preventScroll: true });
    }
    focused = null;
    announce(false);
  });
  function announce(initial) {
    var live = document.getElementById("grid-live");
    var summary = document.getElementById("grid-summary");
    if (!live || !summary) return;
    var words = summary.getAttribute("data-announce") || "";
    if (initial) {
      live.dataset.seen = words;
      return;
    }
    if (live.dataset.seen === words) return;
    live.dataset.seen = words;
    live.textContent = words;
  }
  document.addEventListener("DOMContentLoaded", function () { announce(true); });

  // A new private key: binding is offered once it was downloaded (or the
  // person confirms it is saved), and leaving the page before asks first.
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest && evt.target.closest("[data-private-key-download]");
    if (!link) return;
    var saved = document.getElementById("key-saved");
    if (saved && !saved.checked) {
      saved.checked = true;
      saved.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  window.addEventListener("beforeunload", function (evt) {
    var saved = document.getElementById("key-saved");
    if (saved && !saved.checked) {
      evt.preventDefault();
      evt.returnValue = "";
    }
  });
})();
