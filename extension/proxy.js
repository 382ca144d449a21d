// Firefox's proxy setting, for the native host to reach the site the way Firefox does. certdoctor speaks HTTP
// CONNECT; for a manual HTTP/HTTPS proxy the host gets "http://host:port". Hosts Firefox sends directly (loopback,
// the "No proxy for" list) go directly; a SOCKS or PAC/auto-detected proxy is reported as not usable yet.
"use strict";

function isLoopback(host) {
  return host === "localhost" || host.endsWith(".localhost") || /^127\./.test(host) || host === "[::1]" || host === "::1";
}

// One "No proxy for" entry: "example.com", ".example.com", "*.example.com", "10.0.0.0/8" (the last is not matched).
function bypassed(host, passthrough) {
  return String(passthrough || "").split(/[\s,]+/).filter(Boolean).some((entry) => {
    const e = entry.toLowerCase().replace(/^\*/, "");
    return e.startsWith(".") ? host.endsWith(e) || host === e.slice(1) : host === e || host.endsWith("." + e);
  });
}

// { proxy: "http://host:port" } when the host should go through a proxy, { unsupported: "SOCKS" } when Firefox
// uses one certdoctor cannot, {} when Firefox connects directly.
async function firefoxProxy(pageUrl) {
  let host;
  try {
    host = new URL(pageUrl).hostname.toLowerCase();
  } catch {
    return {};
  }
  let setting;
  try {
    setting = (await browser.proxy.settings.get({})).value;
  } catch {
    return {};
  }
  if (!setting || isLoopback(host)) return {};
  if (setting.proxyType === "autoConfig" || setting.proxyType === "autoDetect") return { unsupported: "PAC" };
  if (setting.proxyType !== "manual" || bypassed(host, setting.passthrough)) return {};
  const https = proxyAddress(setting.shareProxySettings ? setting.http : setting.ssl);
  if (https) return { proxy: "http://" + https };
  return proxyAddress(setting.socks) ? { unsupported: "SOCKS" } : {};
}

// "host:port" as Firefox gives a proxy, or null: with its host field cleared Firefox still gives the port (":3128",
// measured in ESR 153.8), which is no proxy at all.
function proxyAddress(value) {
  const m = /^(.+):(\d+)$/.exec(String(value || ""));
  return m && Number(m[2]) > 0 ? value : null;
}
