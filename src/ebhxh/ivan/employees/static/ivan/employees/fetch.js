/* "Lấy lao động": follow the running fetch and reload the list once it has finished. */
(function () {
  "use strict";
  var box = document.getElementById("fetch-progress");
  if (!box || box.dataset.running !== "1") return;
  var text = document.getElementById("fetch-message");
  var bar = document.getElementById("fetch-bar");
  async function tick() {
    try {
      var response = await fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) {
        var status = await response.json();
        if (text) text.textContent = status.message;
        if (bar) { bar.value = status.percent; bar.textContent = status.percent + "%"; }
        if (status.done) { window.location.reload(); return; }
      }
    } catch (error) { /* the network hiccuped: ask again */ }
    window.setTimeout(tick, 1000);
  }
  window.setTimeout(tick, 500);
})();
