/*
 * Thiết lập chữ ký số qua USB Token: check the signer agent, pair, choose the certificate,
 * then have the token sign the server's challenge with the PIN and save.
 * Uses window.EbhxhSignerAgent (core/signer-agent.js) through window.EbhxhSignerSteps
 * (core/signer-agent-steps.js). The PIN goes only to the agent.
 */
(function () {
  "use strict";
  var steps = document.getElementById("token-steps");
  if (!steps) return;
  var unitTaxCode = steps.dataset.unitTaxCode;
  var $ = function (id) { return document.getElementById(id); };
  var ui = EbhxhSignerSteps({
    agentUrl: steps.dataset.agentUrl,
    endpoint: steps.dataset.endpoint,
    csrfToken: steps.dataset.csrf,
    unreadable: function (response) {
      return "Máy chủ trả lời không đọc được (HTTP " + response.status + "). Thử lại sau ít phút.";
    },
    checkingText: "Đang kiểm tra ứng dụng ký số…",
    noModuleText: "Chưa tìm thấy thư viện PKCS#11 của USB Token: cài trình điều khiển của token rồi chạy lại ứng dụng với --module.",
    order: ["step-agent", "step-pair", "step-certificate", "step-save"],
    signStep: "step-save", signButton: "save-token", signStatus: "save-status", form: "save-form",
    certificateLabel: function (cert) {
      // Several certificates on one token (seed 002): issuer and expiry tell them apart.
      return cert.common_name + " — " + (cert.tax_code ? "MST " + cert.tax_code : cert.citizen_id ? "CCCD " + cert.citizen_id : cert.label)
        + " · " + cert.issuer.replace(/^CN=/, "").split(",")[0] + " · đến " + cert.not_after.slice(0, 10).split("-").reverse().join("/");
    },
    preferCertificate: function (certificates) {
      return certificates.findIndex(function (cert) { return cert.tax_code === unitTaxCode; });
    },
    onCertificate: function (cert) {
      $("cert-tax-code").textContent = cert.tax_code || "—";
      if (cert.tax_code !== unitTaxCode) {
        ui.say("certificate-status", "Chứng thư số này ghi MST " + (cert.tax_code || "(không có)") + ", không phải MST " + unitTaxCode + " của đơn vị. Chọn chứng thư số khác.", "error");
      } else {
        ui.say("certificate-status", "Chứng thư số ghi đúng MST của đơn vị.", "ok");
      }
    },
    sign: save,
  });

  async function save(cert, pin) {
    ui.enable(["save-token", "pin"], false);
    ui.say("save-status", "Đang xác nhận với USB Token…", "busy");
    try {
      var challenge = await ui.post({ action: "challenge" });
      var signed = await ui.agent.signDigest({
        token: cert.token, certificateId: cert.id, pin: pin,
        digestBase64: challenge.digest, description: challenge.description,
      });
      pin = ""; $("pin").value = "";
      ui.say("save-status", "Đang kiểm tra và lưu chứng thư số…", "busy");
      var saved = await ui.post({
        action: "save", certificate: cert.certificate, chain: cert.chain,
        token: cert.token, certificate_id: cert.id, signature: signed.signature,
      });
      ui.say("save-status", "Đã lưu chứng thư số.", "ok");
      window.location.assign(saved.redirect);
    } catch (error) {
      $("pin").value = "";
      ui.say("save-status", "Chưa lưu được: " + ui.explain(error), "error");
      ui.enable(["save-token", "pin"], true);
    }
  }
})();
