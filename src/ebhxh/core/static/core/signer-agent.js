/*
 * ebhxh signer agent client: lets a page sign with the USB token through the local
 * "ứng dụng ký số ebhxh" (`ebhxh signer-agent`, http://127.0.0.1:8765 by default).
 *
 * Plain script, no dependencies: include it and use `window.EbhxhSignerAgent`
 * (also exported with CommonJS when `module` exists). See docs/signer-agent.md.
 *
 *   const agent = new EbhxhSignerAgent({ baseUrl: "http://127.0.0.1:8765" });
 *   await agent.status();               // {app, version, module_found, paired}
 *   await agent.startPairing();         // the agent shows a 6-digit code in its window
 *   await agent.confirmPairing(code);   // keeps the session token (sessionStorage)
 *   await agent.tokens();               // [{label, serial, pin_count_low, ...}]
 *   await agent.certificates(label);    // [{id, subject_summary, tax_code, ...}]
 *   await agent.signDigest({ token, certificateId, pin, digestBase64, description });
 *
 * Every failure is an EbhxhSignerAgentError with a stable `code` and a Vietnamese `message`.
 */
(function (root) {
  "use strict";

  var DEFAULT_URL = "http://127.0.0.1:8765";

  var MESSAGES = {
    AGENT_UNREACHABLE:
      "Chưa chạy ứng dụng ký số ebhxh trên máy tính, hoặc trang này chưa được phép dùng " +
      "ứng dụng. Mở ứng dụng (lệnh “ebhxh signer-agent”), kiểm tra địa chỉ trang có trong " +
      "danh sách cho phép (--allow-origin), rồi thử lại.",
    AGENT_TIMEOUT:
      "Ứng dụng ký số ebhxh không trả lời kịp. Kiểm tra USB Token đã cắm và cửa sổ ứng " +
      "dụng không báo lỗi, rồi thử lại.",
    AGENT_BAD_RESPONSE:
      "Câu trả lời của ứng dụng ký số không đọc được. Cập nhật ứng dụng ký số ebhxh lên " +
      "phiên bản mới nhất.",
    NOT_PAIRED:
      "Trang web chưa được ghép nối với ứng dụng ký số. Bấm “Ghép nối” rồi nhập mã 6 chữ số " +
      "hiện trên cửa sổ của ứng dụng.",
    PAIRING_CODE_FORMAT: "Mã ghép nối gồm đúng 6 chữ số.",
    PIN_REQUIRED: "Nhập mã PIN của USB Token.",
    DIGEST_INVALID:
      "Giá trị băm cần ký không hợp lệ (phải là SHA-256, 32 byte, base64). Đây là lỗi của " +
      "trang web; báo cho bộ phận hỗ trợ.",
  };

  function EbhxhSignerAgentError(code, message, status) {
    var error = new Error(message || MESSAGES[code] || code);
    Object.setPrototypeOf(error, EbhxhSignerAgentError.prototype);
    error.name = "EbhxhSignerAgentError";
    error.code = code;
    error.status = status || 0;
    return error;
  }
  EbhxhSignerAgentError.prototype = Object.create(Error.prototype);
  EbhxhSignerAgentError.prototype.constructor = EbhxhSignerAgentError;

  function fail(code, message, status) {
    throw new EbhxhSignerAgentError(code, message, status);
  }

  function defaultStorage() {
    try {
      return root.sessionStorage || null;
    } catch (e) {
      return null; // storage disabled: the token lives in memory only
    }
  }

  function decodedLength(base64) {
    if (typeof base64 !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return -1;
    try {
      return root.atob(base64).length;
    } catch (e) {
      return -1;
    }
  }

  function EbhxhSignerAgent(options) {
    options = options || {};
    this.baseUrl = String(options.baseUrl || DEFAULT_URL).replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs || 15000;
    this.signTimeoutMs = options.signTimeoutMs || 120000; // a token may be slow to sign
    this.storage = options.storage === undefined ? defaultStorage() : options.storage;
    this.storageKey = "ebhxh-signer-agent:" + this.baseUrl;
    this._memoryToken = null;
  }

  EbhxhSignerAgent.prototype.getSessionToken = function () {
    if (this.storage) {
      try {
        return this.storage.getItem(this.storageKey);
      } catch (e) {
        /* fall back to memory */
      }
    }
    return this._memoryToken;
  };

  EbhxhSignerAgent.prototype._keep = function (token) {
    this._memoryToken = token;
    if (!this.storage) return;
    try {
      if (token) this.storage.setItem(this.storageKey, token);
      else this.storage.removeItem(this.storageKey);
    } catch (e) {
      /* memory only */
    }
  };

  /** Forget the session token (the next call needs a new pairing). */
  EbhxhSignerAgent.prototype.forget = function () {
    this._keep(null);
  };

  EbhxhSignerAgent.prototype.isPaired = function () {
    return Boolean(this.getSessionToken());
  };

  EbhxhSignerAgent.prototype._request = async function (method, path, body, opts) {
    opts = opts || {};
    var headers = {};
    if (opts.auth) {
      var token = this.getSessionToken();
      if (!token) fail("NOT_PAIRED");
      headers.Authorization = "Bearer " + token;
    } else if (opts.optionalAuth && this.getSessionToken()) {
      headers.Authorization = "Bearer " + this.getSessionToken();
    }
    var init = { method: method, headers: headers, mode: "cors", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = null;
    if (controller) {
      init.signal = controller.signal;
      timer = setTimeout(function () {
        controller.abort();
      }, opts.timeoutMs || this.timeoutMs);
    }
    var response;
    try {
      response = await root.fetch(this.baseUrl + path, init);
    } catch (e) {
      // A stopped agent and a refused origin look the same to a page: no readable answer.
      if (e && e.name === "AbortError") fail("AGENT_TIMEOUT");
      fail("AGENT_UNREACHABLE");
    } finally {
      if (timer) clearTimeout(timer);
    }
    var data;
    try {
      data = await response.json();
    } catch (e) {
      fail("AGENT_BAD_RESPONSE", undefined, response.status);
    }
    if (!response.ok) {
      if (response.status === 401) this.forget();
      fail(data.code || "AGENT_BAD_RESPONSE", data.message, response.status);
    }
    return data;
  };

  /** Is the agent running? {app, version, module_found, module, paired}; no pairing needed. */
  EbhxhSignerAgent.prototype.status = function () {
    return this._request("GET", "/status", undefined, { optionalAuth: true });
  };

  /** Ask the agent to show a new 6-digit pairing code in its own window. */
  EbhxhSignerAgent.prototype.startPairing = function () {
    return this._request("POST", "/pair/start", {});
  };

  /** Trade the code the user read from the agent for a session token (kept for this tab). */
  EbhxhSignerAgent.prototype.confirmPairing = async function (code) {
    var digits = String(code || "").replace(/\s+/g, "");
    if (!/^\d{6}$/.test(digits)) fail("PAIRING_CODE_FORMAT");
    var data = await this._request("POST", "/pair/confirm", { code: digits });
    this._keep(data.token);
    return { paired: true, idleTimeoutSeconds: data.idle_timeout_seconds };
  };

  /** The USB tokens plugged in: [{label, serial, manufacturer, model, pin_*}]. */
  EbhxhSignerAgent.prototype.tokens = async function () {
    return (await this._request("GET", "/tokens", undefined, { auth: true })).tokens;
  };

  /** The signing certificates on one token (CA certificates left out). */
  EbhxhSignerAgent.prototype.certificates = async function (token) {
    var query = token ? "?token=" + encodeURIComponent(token) : "";
    var data = await this._request("GET", "/certificates" + query, undefined, { auth: true });
    return data.certificates;
  };

  /** Sign a base64 SHA-256 digest: {signature, certificate, chain}, all base64. */
  EbhxhSignerAgent.prototype.signDigest = function (request) {
    request = request || {};
    if (!request.pin) fail("PIN_REQUIRED");
    if (decodedLength(request.digestBase64) !== 32) fail("DIGEST_INVALID");
    return this._request(
      "POST",
      "/sign",
      {
        token: request.token || null,
        certificate_id: request.certificateId || null,
        pin: String(request.pin),
        digest: request.digestBase64,
        description: request.description ? String(request.description).slice(0, 300) : "",
      },
      { auth: true, timeoutMs: this.signTimeoutMs }
    );
  };

  EbhxhSignerAgent.MESSAGES = MESSAGES;
  EbhxhSignerAgent.Error = EbhxhSignerAgentError;
  root.EbhxhSignerAgent = EbhxhSignerAgent;
  root.EbhxhSignerAgentError = EbhxhSignerAgentError;
  if (typeof module === "object" && module && module.exports) {
    module.exports = { EbhxhSignerAgent: EbhxhSignerAgent, EbhxhSignerAgentError: EbhxhSignerAgentError };
  }
})(typeof globalThis !== "undefined" ? globalThis : this);
