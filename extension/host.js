// The conversation with the native host, for the background page. Each request gets its own connection
// (runtime.connectNative) rather than sendNativeMessage, for two reasons measured in Firefox ESR 153:
// - a request can be cancelled: disconnecting the port ends the host, so a hung host never holds the user;
// - the ways the host can fail can be told apart. sendNativeMessage says "An unexpected error occurred" for a
//   binary that is missing and for one that crashed; a port reports the first with an error at once and the
//   second as a disconnect without an error.
// Every failure becomes a Problem with a code the pages explain in words (problem_* in _locales).
"use strict";

const HOST_NAME = "certdoctor";

// The host gives up on a site within its own timeouts (5 s connect, 10 s handshake); this is the last resort.
const ASK_TIMEOUT_S = 90;

class Problem extends Error {
  // `request`: the host's own code for a request it refused (a REQUEST_ERRORS code, generated/codes.js), which the
  // pages word in the user's language (request_<code>).
  constructor(code, detail, request) {
    super(detail || code);
    this.code = code;
    this.detail = detail || "";
    this.request = request || "";
  }
  toJSON() {
    return { code: this.code, detail: this.detail, request: this.request };
  }
}

// What Firefox's message about a failed connection means.
function connectionProblem(message) {
  const text = String(message || "");
  // Also what Firefox says when the manifest names another extension or cannot be read (measured).
  if (/No such native application/i.test(text)) return new Problem("not_installed", text);
  // The host wrote something that is not a native-messaging frame (its first bytes read as a huge length).
  if (/exceeds the limit|invalid|JSON/i.test(text)) return new Problem("garbage", text);
  return new Problem("host_not_started", text);
}

// The host's own refusals that mean the installation, not the request, is wrong.
function replyProblem(error) {
  const code = (error && error.code) || "error";
  const message = (error && error.message) || "";
  if (code === "caller_not_allowed") return new Problem("wrong_extension", message);
  if (code === "unknown_type") return new Problem("host_outdated", message);
  if (code === "profile_not_found" || code === "profile_mismatch") return new Problem("profile_not_found", message);
  return new Problem("host_refused", code + ": " + message, REQUEST_ERRORS.includes(code) ? code : "");
}

// Sends one request; resolves with the result. `control.cancel()` (set here) ends the request at once.
function askHost(message, control = {}) {
  return new Promise((resolve, reject) => {
    let port = null;
    let settled = false;
    let timer = null;
    const finish = (ok, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try { if (port) port.disconnect(); } catch { /* already gone */ }
      (ok ? resolve : reject)(value);
    };
    control.cancel = () => finish(false, new Problem("cancelled"));
    try {
      port = browser.runtime.connectNative(HOST_NAME);
    } catch (e) {
      finish(false, connectionProblem(e && e.message));
      return;
    }
    timer = setTimeout(() => finish(false, new Problem("host_timeout", String(ASK_TIMEOUT_S))), ASK_TIMEOUT_S * 1000);
    port.onMessage.addListener((reply) => {
      if (!reply || typeof reply !== "object" || typeof reply.ok !== "boolean") {
        finish(false, new Problem("garbage", JSON.stringify(reply).slice(0, 300)));
      } else if (!reply.ok) {
        finish(false, replyProblem(reply.error));
      } else if (!reply.result || typeof reply.result !== "object") {
        finish(false, new Problem("garbage", JSON.stringify(reply).slice(0, 300)));
      } else {
        finish(true, reply.result);
      }
    });
    port.onDisconnect.addListener((p) => {
      // With an error: Firefox could not start the host (or read its frames); without: it ended without answering.
      finish(false, p.error ? connectionProblem(p.error.message) : new Problem("host_exited"));
    });
    port.postMessage({ id: 1, ...message });
  });
}
