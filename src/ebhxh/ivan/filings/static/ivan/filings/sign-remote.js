/*
 * Ký số từ xa: post the account's password once; the server logs in and signs in the
 * background while the holder confirms on the phone. This page polls the dossier's status
 * and shows "Đang chờ xác nhận trên thiết bị… (1/2)" until it is signed and submitted.
 */
(function () {
  "use strict";
  var box = document.getElementById("remote-sign");
  if (!box) return;
  var $ = function (id) { return document.getElementById(id); };
  var form = $("remote-form");
  var polling = false;

  function show(progress) {
    var text = progress.message || "Đang ký…";
    if (progress.stage === "waiting") {
      text = "Đang chờ xác nhận trên thiết bị… (lần " + ((progress.confirmations_received || 0) + 1) +
        "/" + progress.confirmations_required +
        (progress.seconds_left != null ? ", còn " + progress.seconds_left + " giây" : "") + ")";
    }
    $("remote-status").textContent = text;
    var required = progress.confirmations_required || 0;
    $("remote-confirmations").textContent = required
      ? "Đã xác nhận " + (progress.confirmations_received || 0) + "/" + required + " lần" +
        (progress.document ? " · " + progress.document + " (" + progress.index + "/" + progress.total + ")" : "")
      : "";
  }

  async function poll() {
    if (polling) return;
    polling = true;
    $("remote-progress").hidden = false;
    form.style.display = "none";
    while (true) {
      var response = await fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      var status = await response.json();
      if (status.state === "draft") {
        $("remote-progress").hidden = true; form.style.display = ""; polling = false;
        $("remote-error").textContent = "Chưa ký được: " + ((status.progress || {}).message || "") + ((status.progress || {}).code ? " (" + status.progress.code + ")" : "");
        $("remote-error").className = "status error";
        $("remote-sign-button").disabled = false;
        return;
      }
      if (status.state === "signing") show(status.progress || {});
      else if (status.state === "signed" || status.state === "sending") $("remote-status").textContent = "Đã ký xong. Đang gửi hồ sơ tới cổng giao dịch của BHXH…";
      if (status.redirect) {
        $("remote-status").textContent = status.number ? "BHXH đã tiếp nhận hồ sơ, số hồ sơ " + status.number + ". Đang mở kết quả xử lý…" : status.state_label;
        window.location.assign(status.redirect);
        return;
      }
      await new Promise(function (resolve) { window.setTimeout(resolve, 1000); });
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    $("remote-error").textContent = "";
    $("remote-sign-button").disabled = true;
    $("remote-status").textContent = "Đang đăng nhập dịch vụ ký số từ xa…";
    $("remote-progress").hidden = false;
    try {
      var response = await fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { Accept: "application/json" } });
      var answer = await response.json();
      $("remote-password").value = "";
      if (!answer.ok) {
        $("remote-progress").hidden = true;
        $("remote-error").textContent = answer.message + " (" + answer.code + ")";
        $("remote-error").className = "status error";
        $("remote-sign-button").disabled = false;
        return;
      }
      poll();
    } catch (error) {
      $("remote-progress").hidden = true;
      $("remote-error").textContent = "Không kết nối được máy chủ. Thử lại sau ít phút.";
      $("remote-sign-button").disabled = false;
    }
  });
  if (box.dataset.running) poll();
})();
