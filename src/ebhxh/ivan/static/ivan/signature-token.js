/*
 * Thiết lập chữ ký số qua USB Token: check the signer agent, pair, choose the certificate,
 * then have the token sign the server's challenge with the PIN and save.
 * Uses window.EbhxhSignerAgent (core/signer-agent.js). The PIN goes only to the agent.
 */
(function () {
  "use strict";
  var steps = document.getElementById("token-steps");
  if (!steps) return;
  var agent = new EbhxhSignerAgent({ baseUrl: steps.dataset.agentUrl });
  var unitTaxCode = steps.dataset.unitTaxCode;
  var endpoint = steps.dataset.endpoint;
  var csrfToken = steps.dataset.csrf;
  var certificates = [];
  var $ = function (id) { return document.getElementById(id); };

  function say(id, text, kind) {
    var el = $(id);
    el.textContent = text || "";
    el.className = "status" + (kind ? " " + kind : "");
  }
  function explain(error) {
    return error && error.code ? error.message + " (" + error.code + ")" : String(error);
  }
  function enable(ids, on) { ids.forEach(function (id) { $(id).disabled = !on; }); }
  function reach(stepId) {
    var order = ["step-agent", "step-pair", "step-certificate", "step-save"];
    var index = order.indexOf(stepId);
    order.forEach(function (id, i) {
      $(id).classList.toggle("done", i < index);
      $(id).classList.toggle("active", i === index);
    });
  }
  function day(iso) { return new Date(iso).toLocaleDateString("vi-VN"); }

  async function checkAgent() {
    say("agent-status", "Đang kiểm tra ứng dụng ký số…", "busy");
    try {
      var status = await agent.status();
      var text = "Ứng dụng ký số đang chạy (phiên bản " + status.version + ").";
      if (!status.module_found) {
        say("agent-status", text + " Chưa tìm thấy thư viện PKCS#11 của USB Token: cài trình điều khiển của token rồi chạy lại ứng dụng với --module.", "error");
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
        // Several certificates on one token (seed 002): issuer and expiry tell them apart.
        option.textContent = cert.common_name + " — " + (cert.tax_code ? "MST " + cert.tax_code : cert.citizen_id ? "CCCD " + cert.citizen_id : cert.label)
          + " · " + cert.issuer.replace(/^CN=/, "").split(",")[0] + " · đến " + cert.not_after.slice(0, 10).split("-").reverse().join("/");
        select.appendChild(option);
      });
      if (!certificates.length) { say("certificate-status", "USB Token này không có chứng thư số dùng để ký.", "error"); return; }
      var match = certificates.findIndex(function (cert) { return cert.tax_code === unitTaxCode; });
      select.value = String(match >= 0 ? match : 0);
      select.disabled = false;
      showCertificate();
    } catch (error) { say("certificate-status", explain(error), "error"); }
  }

  function selected() { return certificates[Number($("certificate-select").value)]; }

  function showCertificate() {
    var cert = selected();
    if (!cert) return;
    $("cert-subject").textContent = cert.subject_summary;
    $("cert-tax-code").textContent = cert.tax_code || "—";
    $("cert-issuer").textContent = cert.issuer;
    $("cert-validity").textContent = "từ " + day(cert.not_before) + " đến " + day(cert.not_after);
    $("certificate-details").hidden = false;
    if (cert.tax_code !== unitTaxCode) {
      say("certificate-status", "Chứng thư số này ghi MST " + (cert.tax_code || "(không có)") + ", không phải MST " + unitTaxCode + " của đơn vị. Chọn chứng thư số khác.", "error");
    } else {
      say("certificate-status", "Chứng thư số ghi đúng MST của đơn vị.", "ok");
    }
    enable(["pin", "save-token"], true);
    reach("step-save");
  }

  async function post(body) {
    var response = await fetch(endpoint, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(body),
    });
    var data;
    try { data = await response.json(); }
    catch (e) { var bad = new Error("Máy chủ trả lời không đọc được (HTTP " + response.status + "). Thử lại sau ít phút."); bad.code = "SERVER_ERROR"; throw bad; }
    if (!data.ok) { var error = new Error(data.message); error.code = data.code; throw error; }
    return data;
  }

  async function save(event) {
    event.preventDefault();
    var cert = selected();
    var pin = $("pin").value;
    if (!pin) { say("save-status", "Nhập mã PIN của USB Token.", "error"); return; }
    enable(["save-token", "pin"], false);
    say("save-status", "Đang xác nhận với USB Token…", "busy");
    try {
      var challenge = await post({ action: "challenge" });
      var signed = await agent.signDigest({
        token: cert.token, certificateId: cert.id, pin: pin,
        digestBase64: challenge.digest, description: challenge.description,
      });
      pin = ""; $("pin").value = "";
      say("save-status", "Đang kiểm tra và lưu chứng thư số…", "busy");
      var saved = await post({
        action: "save", certificate: cert.certificate, chain: cert.chain,
        token: cert.token, certificate_id: cert.id, signature: signed.signature,
      });
      say("save-status", "Đã lưu chứng thư số.", "ok");
      window.location.assign(saved.redirect);
    } catch (error) {
      $("pin").value = "";
      say("save-status", "Chưa lưu được: " + explain(error), "error");
      enable(["save-token", "pin"], true);
    }
  }

  $("check-agent").addEventListener("click", checkAgent);
  $("start-pairing").addEventListener("click", startPairing);
  $("confirm-pairing").addEventListener("click", confirmPairing);
  $("pairing-code").addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); confirmPairing(); } });
  $("token-select").addEventListener("change", loadCertificates);
  $("certificate-select").addEventListener("change", showCertificate);
  $("save-form").addEventListener("submit", save);
})();
