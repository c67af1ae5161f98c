/* The header's balance while the player plays (README "Lobby and live balance").

   On a game page (an element with data-live-balance: the casino's WebFrame, the
   sportsbook's iframe) the header balance ([data-testid="header-balance"], which names
   the endpoint in data-balance-url) is asked again from GET /balance.json:
   - every few seconds while the page is visible (data-poll-seconds on the game element),
     and at once when the page becomes visible or gets the focus back;
   - soon after a message from the game's frame: the vendor's frame posts messages (the
     WebFrame its height after every round), so a message from the frame's own window and
     the vendor's configured origin (data-vendor-origin) means that something happened in
     the game. The message's content is never shown: the balance is always the portal's.
   Bets placed on the portal's own pages (the bet slip) load a new page, whose header is
   current. A visitor's answer (401) stops the polling; anything else not JSON is skipped. */
(function () {
  "use strict";
  var shown = document.querySelector('[data-testid="header-balance"][data-balance-url]');
  var games = document.querySelectorAll("[data-live-balance]");
  if (!shown || !games.length || !window.fetch) return;
  var url = shown.getAttribute("data-balance-url");
  var seconds = Number(games[0].getAttribute("data-poll-seconds")) || 5;
  var timer = null, soon = null, asking = false, again = false, stopped = false;

  function show(answer) {
    if (!answer || typeof answer.shown !== "string") return;
    if (shown.textContent.trim() === answer.shown) return;
    shown.textContent = answer.shown;
    shown.setAttribute("data-balance", answer.balance);
    shown.classList.add("updated");
    setTimeout(function () { shown.classList.remove("updated"); }, 1500);
  }

  function ask() {
    if (stopped) return;
    if (asking) { again = true; return; }  // one request at a time; one more after it
    asking = true;
    fetch(url, {credentials: "same-origin", cache: "no-store", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (response.status === 401) { stopped = true; clearTimeout(timer); return null; }
        var type = response.headers.get("Content-Type") || "";
        return response.ok && type.indexOf("application/json") === 0 ? response.json() : null;
      })
      .then(show)
      .catch(function () {})
      .then(function () {
        asking = false;
        if (again) { again = false; ask(); }
      });
  }

  function schedule() {
    clearTimeout(timer);
    if (stopped || document.visibilityState !== "visible") return;
    timer = setTimeout(function () { ask(); schedule(); }, seconds * 1000);
  }

  function askSoon() {  // messages come in bursts: one request for a burst
    clearTimeout(soon);
    soon = setTimeout(ask, 250);
  }

  function fromGame(event) {
    for (var i = 0; i < games.length; i += 1) {
      var frame = games[i].tagName === "IFRAME" ? games[i] : games[i].querySelector("iframe");
      var origin = games[i].getAttribute("data-vendor-origin");
      if (frame && origin && event.source === frame.contentWindow && event.origin === origin) {
        return true;
      }
    }
    return false;
  }

  window.addEventListener("message", function (event) {
    if (fromGame(event)) askSoon();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { ask(); }
    schedule();
  });
  window.addEventListener("focus", ask);
  schedule();
})();
