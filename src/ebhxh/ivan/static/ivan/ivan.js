/* I-VAN pages: progress on slow submits, confirmations, the first-time unit toggle. */
(function () {
  "use strict";

  // A submit that takes time (upload, provider login) shows a spinner and cannot be sent twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    var button = form.querySelector("button[data-busy]");
    if (button && !event.defaultPrevented) {
      button.classList.add("is-busy");
      button.textContent = button.dataset.busy;
      window.setTimeout(function () { button.disabled = true; }, 0);
    }
  });

  // "Là đơn vị tham gia BHXH lần đầu": EITHER the checkbox OR the unit code (seed 000 §3.2).
  var firstTime = document.getElementById("id_first_time");
  var codeBlock = document.getElementById("unit-code-block");
  var note = document.getElementById("first-time-note");
  if (firstTime && codeBlock) {
    var sync = function () {
      var input = codeBlock.querySelector("input");
      codeBlock.hidden = firstTime.checked && !(input && input.value);
      if (note) note.hidden = !firstTime.checked;
    };
    firstTime.addEventListener("change", sync);
    sync();
  }
})();
