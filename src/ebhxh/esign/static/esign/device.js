/* Device page: count down each request's time limit and keep the list fresh.
   The server stays the judge of time: the countdown starts from the seconds it rendered,
   not from the phone's clock, and nothing here is needed to confirm or refuse. */
(function () {
  "use strict";
  var started = Date.now();
  var timers = Array.prototype.slice.call(document.querySelectorAll("[data-seconds-left]"));

  function format(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  /* Never reload under the holder's fingers: not while a PIN is being typed. */
  function busy() {
    var active = document.activeElement;
    if (active && active.tagName === "INPUT") return true;
    return Array.prototype.some.call(document.querySelectorAll("input[name=pin]"), function (input) {
      return input.value !== "";
    });
  }

  function tick() {
    var elapsed = Math.floor((Date.now() - started) / 1000);
    var ended = false;
    timers.forEach(function (element) {
      var left = Math.max(0, parseInt(element.getAttribute("data-seconds-left"), 10) - elapsed);
      element.textContent = format(left);
      var card = element.closest(".request");
      if (left === 0 && card && !card.classList.contains("is-expired")) {
        card.classList.add("is-expired");
        card.querySelectorAll("button, input").forEach(function (control) { control.disabled = true; });
        ended = true;
      }
    });
    if (ended && !busy()) window.location.reload();
  }

  if (timers.length) {
    tick();
    window.setInterval(tick, 1000);
  }
  var refresh = parseInt(document.body.getAttribute("data-refresh-seconds") || "0", 10);
  if (refresh > 0) {
    window.setInterval(function () {
      if (!busy()) window.location.reload();
    }, refresh * 1000);
  }
})();
