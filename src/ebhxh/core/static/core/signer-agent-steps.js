/*
 * Shared step UI for "ký bằng USB Token qua ứng dụng ký số ebhxh": check the agent, pair
 * with the 6-digit code, choose the token and the certificate, then enter the PIN. Used by
 * the demo signing page, the agency portal and the I-VAN token setup; each page keeps only
 * what differs (how a certificate is labelled and checked, and what "sign" does).
 *
 * Plain script, no dependencies besides window.EbhxhSignerAgent (core/signer-agent.js).
 * The page must use these element ids: check-agent, agent-status, start-pairing,
 * pairing-code, confirm-pairing, pair-status, token-select, certificate-select,
 * certificate-details, cert-subject, cert-issuer, cert-validity, certificate-status, pin;
 * and the steps step-agent, step-pair, step-certificate plus the sign step.
 *
 *   var ui = EbhxhSignerSteps({
 *     agentUrl: "http://127.0.0.1:8765",
 *     order: ["step-agent", "step-pair", "step-certificate", "step-sign"],
 *     signStep: "step-sign", signButton: "sign-button", signStatus: "sign-status", form: "sign-form",
 *     certificateLabel: function (cert) { return cert.common_name; },
 *     preferCertificate: function (certificates) { return 0; },   // optional
 *     onCertificate: function (cert) { ... },                     // fill page-specific fields
 *     sign: async function (cert, pin) { ... },                   // PIN already checked
 *     // optional: checkingText, noModuleText, unexpected(error), endpoint, csrfToken,
 *     // headers, unreadable(response)
 *   });
 *   ui.say(id, text, kind); ui.explain(error); ui.enable(ids, on); ui.reach(stepId);
 *   await ui.post(body);   // JSON POST to options.endpoint; throws {message, code} if !ok
 */
(function (root) {
  "use strict";

  function EbhxhSignerSteps(options) {
    var o = options;
    var agent = new root.EbhxhSignerAgent({ baseUrl: o.agentUrl });
    var certificates = [];
    var $ = function (id) { return document.getElementById(id); };

    function say(id, text, kind) {
      var el = $(id);
      el.textContent = text || "";
      el.className = "status" + (kind ? " " + kind : "");
    }
    function explain(error) {
      if (error && error.code) return error.message + " (" + error.code + ")";
      return o.unexpected ? o.unexpected(error) : String(error);
    }
    function enable(ids, on) { ids.forEach(function (id) { $(id).disabled = !on; }); }
    function reach(stepId) {
      var index = o.order.indexOf(stepId);
      o.order.forEach(function (id, i) {
        $(id).classList.toggle("done", i < index);
        $(id).classList.toggle("active", i === index);
      });
    }
    function day(iso) { return new Date(iso).toLocaleDateString("vi-VN"); }

    async function checkAgent() {
      say("agent-status", o.checkingText || "Đang kiểm tra…", "busy");
      try {
        var status = await agent.status();
        var text = "Ứng dụng ký số đang chạy (phiên bản " + status.version + ").";
        if (!status.module_found) {
          say("agent-status", text + " " + (o.noModuleText || "Chưa tìm thấy thư viện PKCS#11 của USB Token: chạy lại ứng dụng với --module."), "error");
          return;
        }
        say("agent-status", text, "ok");
        enable(["start-pairing"], true);
        if (status.paired) { say("pair-status", "Trang này đã được ghép nối.", "ok"); await loadTokens(); }
        else { reach("step-pair"); }
      } catch (error) { say("agent-status", explain(error), "error"); }
    }

    async function startPairing() {
      say("pair-status", "Đang yêu cầu mã…", "busy");
      try {
        await agent.startPairing();
        enable(["pairing-code", "confirm-pairing"], true);
        $("pairing-code").focus();
        say("pair-status", "Nhập mã 6 chữ số đang hiện trên cửa sổ của ứng dụng ký số.");
      } catch (error) { say("pair-status", explain(error), "error"); }
    }

    async function confirmPairing() {
      say("pair-status", "Đang ghép nối…", "busy");
      try {
        await agent.confirmPairing($("pairing-code").value);
        $("pairing-code").value = "";
        enable(["pairing-code", "confirm-pairing"], false);
        say("pair-status", "Đã ghép nối trang này với ứng dụng ký số.", "ok");
        await loadTokens();
      } catch (error) { say("pair-status", explain(error), "error"); }
    }

    async function loadTokens() {
      reach("step-certificate");
      say("certificate-status", "Đang đọc USB Token…", "busy");
      try {
        var tokens = await agent.tokens();
        var select = $("token-select");
        select.innerHTML = "";
        tokens.forEach(function (token) {
          var option = document.createElement("option");
          option.value = token.label;
          option.textContent = token.label + (token.model ? " (" + token.model + ")" : "");
          select.appendChild(option);
        });
        if (!tokens.length) { say("certificate-status", "Không thấy USB Token nào. Cắm token vào máy rồi bấm “Kiểm tra” lại.", "error"); return; }
        select.disabled = false;
        await loadCertificates();
      } catch (error) { say("certificate-status", explain(error), "error"); }
    }

    async function loadCertificates() {
      say("certificate-status", "Đang đọc chứng thư số…", "busy");
      try {
        certificates = await agent.certificates($("token-select").value);
        var select = $("certificate-select");
        select.innerHTML = "";
        certificates.forEach(function (cert, index) {
          var option = document.createElement("option");
          option.value = String(index);
          option.textContent = o.certificateLabel(cert);
          select.appendChild(option);
        });
        if (!certificates.length) { say("certificate-status", "USB Token này không có chứng thư số dùng để ký.", "error"); return; }
        var preferred = o.preferCertificate ? o.preferCertificate(certificates) : 0;
        select.value = String(preferred >= 0 ? preferred : 0);
        select.disabled = false;
        say("certificate-status", "");
        showCertificate();
      } catch (error) { say("certificate-status", explain(error), "error"); }
    }

    function selected() { return certificates[Number($("certificate-select").value)]; }

    function showCertificate() {
      var cert = selected();
      if (!cert) return;
      $("cert-subject").textContent = cert.subject_summary;
      $("cert-issuer").textContent = cert.issuer;
      $("cert-validity").textContent = "từ " + day(cert.not_before) + " đến " + day(cert.not_after);
      $("certificate-details").hidden = false;
      if (o.onCertificate) o.onCertificate(cert);
      enable(["pin", o.signButton], true);
      reach(o.signStep);
    }

    async function post(body) {
      var response = await fetch(o.endpoint || root.location.pathname, {
        method: "POST", credentials: "same-origin",
        headers: Object.assign({ "Content-Type": "application/json" }, o.headers || {}, { "X-CSRFToken": o.csrfToken }),
        body: JSON.stringify(body),
      });
      var data;
      try { data = await response.json(); }
      catch (e) {
        if (!o.unreadable) throw e;
        var bad = new Error(o.unreadable(response)); bad.code = "SERVER_ERROR"; throw bad;
      }
      if (!data.ok) { var error = new Error(data.message); error.code = data.code; throw error; }
      return data;
    }

    async function submit(event) {
      event.preventDefault();
      var pin = $("pin").value;
      if (!pin) { say(o.signStatus, "Nhập mã PIN của USB Token.", "error"); return; }
      await o.sign(selected(), pin);
    }

    $("check-agent").addEventListener("click", checkAgent);
    $("start-pairing").addEventListener("click", startPairing);
    $("confirm-pairing").addEventListener("click", confirmPairing);
    $("pairing-code").addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); confirmPairing(); } });
    $("token-select").addEventListener("change", loadCertificates);
    $("certificate-select").addEventListener("change", showCertificate);
    $(o.form).addEventListener("submit", submit);

    return {
      agent: agent, $: $, say: say, explain: explain, enable: enable, reach: reach,
      day: day, selected: selected, post: post,
    };
  }

  root.EbhxhSignerSteps = EbhxhSignerSteps;
  if (typeof module === "object" && module && module.exports) {
    module.exports = { EbhxhSignerSteps: EbhxhSignerSteps };
  }
})(typeof globalThis !== "undefined" ? globalThis : this);
