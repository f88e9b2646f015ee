/*
 * The portal's two USB-token signing pages (Mẫu 01 for a person, the organisation's account
 * request) hold the same conversation with the server: `prepare` checks the certificate and
 * returns the digest, the token signs it, `complete` submits. Each page passes only what
 * differs: which certificate it prefers and checks, and what it says while sending and after.
 *
 *   var ui = EbhxhPortalTokenSign({
 *     csrfToken: "...",
 *     certificateLabel: function (cert) { ... },
 *     preferCertificate: function (certificates) { ... },
 *     onCertificate: function (cert) { ... },
 *     sendingText: "Đã ký. Đang gửi tờ khai…",
 *     submittedText: function (submitted) { return "Đã nộp tờ khai số " + submitted.tracking_number + "."; },
 *   });
 */
(function (root) {
  "use strict";

  function EbhxhPortalTokenSign(options) {
    var $ = function (id) { return document.getElementById(id); };
    var ui = root.EbhxhSignerSteps({
      agentUrl: $("signing-steps").dataset.agentUrl,
      csrfToken: options.csrfToken,
      headers: { "Accept": "application/json" },
      unreadable: function () { return "Máy chủ chưa trả lời được; vui lòng thử lại sau ít phút."; },
      unexpected: function () { return "Có lỗi không mong muốn; vui lòng thử lại."; },
      order: ["step-agent", "step-pair", "step-certificate", "step-sign"],
      signStep: "step-sign", signButton: "sign-button", signStatus: "sign-status", form: "sign-form",
      certificateLabel: options.certificateLabel,
      preferCertificate: options.preferCertificate,
      onCertificate: options.onCertificate,
      sign: sign,
    });

    async function sign(cert, pin) {
      ui.enable(["sign-button", "pin"], false);
      ui.say("sign-status", "Đang kiểm tra chứng thư số…", "busy");
      try {
        var prepared = await ui.post({ action: "prepare", certificate: cert.certificate, chain: cert.chain });
        ui.say("sign-status", "Đang ký trên USB Token…", "busy");
        var signed = await ui.agent.signDigest({
          token: cert.token, certificateId: cert.id, pin: pin,
          digestBase64: prepared.digest, description: prepared.description,
        });
        pin = ""; $("pin").value = "";
        ui.say("sign-status", options.sendingText, "busy");
        var submitted = await ui.post({ action: "complete", signature: signed.signature });
        ui.say("sign-status", options.submittedText(submitted), "ok");
        window.location.assign(submitted.status_url);
      } catch (error) {
        $("pin").value = "";
        ui.say("sign-status", "Chưa nộp được: " + ui.explain(error), "error");
        ui.enable(["sign-button", "pin"], true);
      }
    }

    return ui;
  }

  root.EbhxhPortalTokenSign = EbhxhPortalTokenSign;
})(window);
