/* The reality check and the session time limit while the player plays (README
   "Responsible gambling"). On every page of a logged-in player: ask
   GET /responsible-gambling/status on a timer and show the layout's dialog
   (#reality-check) as a modal over the page when a check is due or the session has ended.
   While it shows, everything behind it (the game frames too) is inert: no pointer or key
   reaches it; the focus stays in the dialog (Tab cycles its buttons) and Escape does not
   close it. "Continue playing" posts the acknowledgement and goes back to the game; "Stop
   playing" submits the header's log-out form. Without this script the server still opens
   the dialog when a page loads while the check is due (a plain form). */
(function () {
  "use strict";
  var dialog = document.getElementById("reality-check");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var form = document.getElementById("reality-check-form");
  var longest = Math.max(1, Number(dialog.dataset.pollSeconds) || 30);
  var timer = null;
  var showing = null; // "check" or "ended" while the dialog is up
  var modal = false; // opened with showModal() (the page-load dialog is not)
  var madeInert = [];

  function part(name) {
    return dialog.querySelector('[data-part="' + name + '"]');
  }

  function heading() {
    return part(showing).querySelector("h2");
  }

  function fill(values) {
    Object.keys(values).forEach(function (name) {
      dialog.querySelectorAll('[data-field="' + name + '"]').forEach(function (element) {
        element.textContent = values[name];
      });
    });
  }

  function schedule(seconds) {
    clearTimeout(timer);
    var wait = Number(seconds);
    if (!isFinite(wait) || wait <= 0) wait = longest;
    timer = setTimeout(poll, Math.min(Math.max(wait, 1), longest) * 1000);
  }

  function setInert(on) {
    if (on) {
      Array.prototype.forEach.call(document.body.children, function (element) {
        if (element === dialog || element.tagName === "SCRIPT" || element.hasAttribute("inert")) {
          return;
        }
        element.setAttribute("inert", "");
        madeInert.push(element);
      });
    } else {
      madeInert.forEach(function (element) { element.removeAttribute("inert"); });
      madeInert = [];
    }
  }

  function open(name) {
    var again = showing === name && dialog.open;
    showing = name;
    part("check").hidden = name !== "check";
    part("ended").hidden = name !== "ended";
    dialog.setAttribute("aria-labelledby", heading().id);
    if (!modal || !dialog.open) {
      if (dialog.open) dialog.close(); // the page-load dialog, not modal
      dialog.showModal();
      modal = true;
      again = false;
    }
    setInert(true);
    if (!again) heading().focus(); // not a button: a key meant for the game does nothing
  }

  function close() {
    showing = null;
    modal = false;
    dialog.close();
    setInert(false);
  }

  function ended(limit) {
    clearTimeout(timer);
    part("limit-reached").hidden = !limit;
    part("logged-out").hidden = Boolean(limit);
    if (limit) fill({shown: limit.shown});
    open("ended");
  }

  function answer(status) {
    if (!status || status.logged_in === false) return ended(null);
    if (status.session_limit && status.session_limit.ended) return ended(status.session_limit);
    if (status.reality_check) {
      fill(status.reality_check);
      open("check");
    } else if (showing === "check") {
      close();
    }
    schedule(status.next_poll_seconds);
  }

  function asJson(response) {
    if (response.status === 401) return {logged_in: false};
    if (!response.ok) throw new Error("status " + response.status);
    return response.json();
  }

  function poll() {
    clearTimeout(timer);
    // A player inside a game frame (the page visible and focused) is not idle: the poll
    // says so, and the server keeps the session alive (the frame's clicks never reach us).
    var playing = document.visibilityState === "visible" && document.hasFocus() &&
      document.querySelector("iframe") !== null;
    fetch(dialog.dataset.statusUrl + (playing ? "?playing=1" : ""), {
      headers: {Accept: "application/json"},
      credentials: "same-origin",
      cache: "no-store"
    }).then(asJson).then(answer, function () { schedule(longest); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: {Accept: "application/json"},
      credentials: "same-origin"
    }).then(asJson).then(answer, function () {
      form.submit(); // the plain form: the server acknowledges and shows the page again
    }).finally(function () {
      form.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
    });
  });

  dialog.addEventListener("cancel", function (event) { event.preventDefault(); });
  dialog.addEventListener("close", function () {
    if (showing && !dialog.open) open(showing); // closed some other way: back it comes
  });
  document.addEventListener("keydown", function (event) {
    if (!showing) return;
    if (event.key === "Escape") {
      event.preventDefault();
      return;
    }
    if (!dialog.contains(document.activeElement)) {
      event.preventDefault();
      heading().focus();
      return;
    }
    if (event.key !== "Tab") return;
    event.preventDefault();
    var stops = Array.prototype.filter.call(
      dialog.querySelectorAll("a[href], button, input:not([type=hidden]), [tabindex]"),
      function (element) {
        return element.tabIndex >= 0 && !element.disabled && !element.closest("[hidden]");
      }
    );
    if (!stops.length) return;
    var at = stops.indexOf(document.activeElement);
    var next = event.shiftKey ? (at <= 0 ? stops.length - 1 : at - 1) : (at + 1) % stops.length;
    stops[next].focus();
  }, true);
  document.addEventListener("focusin", function (event) {
    if (showing && !dialog.contains(event.target)) heading().focus();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && showing !== "ended") poll();
  });

  var fallback = document.querySelector("[data-reality-check-backdrop]");
  if (fallback) fallback.remove(); // the modal dialog has its own ::backdrop
  if (dialog.hasAttribute("open")) open("check"); // due as the page loaded
  schedule(dialog.dataset.nextPoll);
})();
