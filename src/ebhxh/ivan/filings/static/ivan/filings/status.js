/* A dossier being signed or sent: follow it, and reload when it reaches its next state. */
(function () {
  "use strict";
  var box = document.getElementById("filing-busy");
  if (!box) return;
  async function tick() {
    try {
      var response = await fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      var status = await response.json();
      if (!status.busy) { window.location.reload(); return; }
      if (status.progress && status.progress.message) document.getElementById("filing-busy-text").textContent = status.progress.message;
    } catch (error) { /* try again */ }
    window.setTimeout(tick, 1500);
  }
  window.setTimeout(tick, 1500);
})();
