/*
 * Ký và nộp hồ sơ bằng USB Token: check the signer agent, pair, choose the unit's configured
 * certificate, enter the PIN once; then each form and finally the envelope are signed in turn
 * (the server hands out one digest at a time), and the last step submits the dossier.
 * Uses window.EbhxhSignerSteps (core/signer-agent-steps.js). The PIN goes only to the agent.
 */
(function () {
  "use strict";
  var steps = document.getElementById("token-steps");
  if (!steps) return;
  var data = steps.dataset;
  var $ = function (id) { return document.getElementById(id); };
  var ui = EbhxhSignerSteps({
    agentUrl: data.agentUrl,
    endpoint: data.endpoint,
    csrfToken: data.csrf,
    unreadable: function (response) {
      return "Máy chủ trả lời không đọc được (HTTP " + response.status + "). Thử lại sau ít phút.";
    },
    checkingText: "Đang kiểm tra ứng dụng ký số…",
    order: ["step-agent", "step-pair", "step-certificate", "step-sign"],
    signStep: "step-sign", signButton: "sign-button", signStatus: "sign-status", form: "sign-form",
    certificateLabel: function (cert) {
      return cert.common_name + " — " + (cert.tax_code ? "MST " + cert.tax_code : cert.label)
        + " · đến " + cert.not_after.slice(0, 10).split("-").reverse().join("/");
    },
    preferCertificate: function (certificates) {
      // The certificate set up for the unit (Thiết lập → Chữ ký số).
      return certificates.findIndex(function (cert) { return cert.fingerprint_sha256 === data.fingerprint; });
    },
    onCertificate: function (cert) {
      if (cert.fingerprint_sha256 && cert.fingerprint_sha256 !== data.fingerprint) {
        ui.say("certificate-status", "Đây không phải chứng thư số đã thiết lập cho đơn vị; BHXH sẽ từ chối hồ sơ ký bằng chứng thư này. Chọn đúng chứng thư số.", "error");
      } else {
        ui.say("certificate-status", "Đúng chứng thư số đã thiết lập cho đơn vị.", "ok");
      }
    },
    sign: sign,
  });

  function progress(step) {
    var bar = $("sign-progress");
    bar.hidden = false; bar.max = step.total; bar.value = step.index - 1;
    ui.say("sign-status", "Đang ký " + step.description + " (" + step.index + "/" + step.total + ")…", "busy");
  }

  async function sign(cert, pin) {
    ui.enable(["sign-button", "pin"], false);
    ui.say("sign-status", "Đang kiểm tra chứng thư số…", "busy");
    try {
      var step = await ui.post({ action: "start", certificate: cert.certificate, chain: cert.chain });
      while (!step.done) {
        progress(step);
        var signed = await ui.agent.signDigest({
          token: cert.token, certificateId: cert.id, pin: pin,
          digestBase64: step.digest, description: step.description,
        });
        if (step.index === step.total) ui.say("sign-status", "Đã ký xong. Đang gửi hồ sơ tới cổng giao dịch của BHXH…", "busy");
        step = await ui.post({ action: "continue", signature: signed.signature });
      }
      pin = ""; $("pin").value = "";
      $("sign-progress").value = $("sign-progress").max;
      if (step.state === "send_failed") {
        ui.say("sign-status", "Đã ký nhưng chưa gửi được: " + step.result_message + " Hệ thống sẽ tự gửi lại.", "error");
      } else if (step.state === "refused") {
        ui.say("sign-status", "BHXH từ chối hồ sơ (" + step.result_code + "): " + step.result_message, "error");
      } else {
        ui.say("sign-status", "BHXH đã tiếp nhận hồ sơ, số hồ sơ " + step.number + ". Đang mở kết quả xử lý…", "ok");
      }
      window.setTimeout(function () { window.location.assign(step.redirect || window.location.pathname.replace(/ky\/$/, "")); }, 800);
    } catch (error) {
      $("pin").value = ""; pin = "";
      ui.say("sign-status", "Chưa ký được: " + ui.explain(error), "error");
      ui.enable(["sign-button", "pin"], true);
    }
  }
})();
