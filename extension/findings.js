// A finding of the host in the user's language: the extension renders its own words from the finding's `code`
// and `values` through _locales (f_<code>, f_<code>_text, f_<code>_todo); the host's English title, explanation
// and fix stay for the command line and the administrators' section. A code this version has no words for gets
// the general f_other messages, and the host's text under Technical details.
"use strict";

// The values each code's messages take, in placeholder order ($1, $2, ...). Names ending in not_before/not_after
// are dates; the others are shown as they are (through visible()).
const FINDING_ARGS = {
  // why: stored certificates that break the site
  stale_copy: ["nickname", "serial"],
  shared_device_serial: ["served_names", "stored_names", "nickname", "serial", "reissue_command"],
  ca_serial_reuse: ["issuer", "nickname", "stored_subject", "serial"],
  stale_intermediate: ["subject", "nickname", "serial"],
  stale_issuer: ["issuer", "nickname"],
  stored_distrust: ["stored_subject", "nickname", "trust", "after"],
  stale_anchor: ["stored_subject", "nickname", "stored_not_after", "after"],
  live_connection_conflict: ["serial"],
  open_site_conflict: ["other_host", "serial", "other_url"],
  shared_identity: ["other_host", "serial", "other_url", "refused", "visits"],
  compare_incomplete: ["unchecked", "urls"],
  issuer_not_sent: ["issuer", "aia"],
  // what Firefox shows
  SEC_ERROR_REUSED_ISSUER_AND_SERIAL: ["issuer", "serial"],
  MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT: ["host", "subject", "expired_note", "page_host"],
  SEC_ERROR_UNKNOWN_ISSUER: ["host", "issuer"],
  SEC_ERROR_UNTRUSTED_ISSUER: ["issuer_subject"],
  SEC_ERROR_UNTRUSTED_CERT: ["host"],
  SEC_ERROR_EXPIRED_CERTIFICATE: ["host", "not_after", "not_before"],
  MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE: ["host", "not_before"],
  SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE: ["issuer_subject", "issuer_not_after"],
  MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE: ["issuer_subject", "issuer_not_before"],
  SSL_ERROR_BAD_CERT_DOMAIN: ["host", "names"],
  SSL_ERROR_UNSUPPORTED_VERSION: ["host", "version"],
  SSL_ERROR_NO_CYPHER_OVERLAP: ["host", "accepted"],
  SSL_ERROR_PROTOCOL_VERSION_ALERT: ["host", "accepted"],
  SSL_ERROR_HANDSHAKE_FAILURE_ALERT: ["host"],
  SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT: ["host"],
  SSL_ERROR_INTERNAL_ERROR_ALERT: ["host"],
  NS_ERROR_NET_RESET: ["host"],
  handshake_alert: ["host_port", "alert_name"],
  MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY: ["host"],
  MOZILLA_PKIX_ERROR_INADEQUATE_KEY_SIZE: ["host", "key"],
  SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED: ["host", "signature_algorithm"],
  SEC_ERROR_REVOKED_CERTIFICATE: ["host"],
  // reaching the site
  dns_failed: ["host"],
  connection_refused: ["address", "port"],
  connect_failed: ["address", "port"],
  connect_timeout: ["host", "port"],
  proxy_failed: ["proxy", "host_port"],
  not_tls: ["host_port", "http_url"],
  connection_closed: ["host_port"],
  handshake_timeout: ["host_port"],
  handshake_failed: ["host_port"],
  no_certificate: ["host_port"],
  // how the verdict was reached
  not_overridable: [],
  exception_applies: ["host_port"],
  stale_exception: ["host_port"],
  hsts_host: ["host"],
  hsts_preloaded: ["host", "domain"],
  prediction_differs: [],
  builtin_roots_unavailable: [],
  profile_not_found: [],
  profile_unusable: ["path"],
  store: ["path"],
};

// Findings that say why the site fails (a cause), ahead of the bare name of the error.
const CAUSES = ["stale_copy", "shared_device_serial", "ca_serial_reuse", "stale_intermediate", "stale_issuer",
  "stored_distrust", "stale_anchor", "live_connection_conflict", "open_site_conflict", "issuer_not_sent"];
// The one thing to do for a cause that a stored certificate explains.
const REMOVE_ACTION = { stale_copy: "actionRemoveCopy", shared_device_serial: "actionRemoveOtherDevice",
  ca_serial_reuse: "actionRemoveStored", stale_intermediate: "actionRemoveIntermediate", stale_issuer: "actionRemoveOldCa",
  stored_distrust: "actionRemoveDistrust", stale_anchor: "actionRemoveOldRoot" };
// Findings that mean the host did not get the site's certificate.
const UNREACHABLE = ["dns_failed", "connection_refused", "connect_failed", "connect_timeout", "proxy_failed", "not_tls",
  "connection_closed", "handshake_timeout", "handshake_failed", "no_certificate"];

function messageKey(code) {
  if (/^store_/.test(code)) return "store";
  return Object.prototype.hasOwnProperty.call(FINDING_ARGS, code) ? code : "other";
}

// Values the host does not send but the words need, taken from the diagnosis.
function derivedValue(name, f, d) {
  const leaf = (d.chain || [])[0] || {};
  if (name === "aia") {
    const urls = (leaf.authority_info_access && leaf.authority_info_access.ca_issuers) || [];
    return urls.length ? t("aiaWhere", visible(urls[0])) : "";
  }
  if (name === "after") return afterText((f.values || {}).after_error);
  if (name === "reissue_command") return visible(`certdoctor reissue ${sh((f.values || {}).url || d.url || "")}`);
  if (name === "http_url") return visible(`http://${f.values.host_port || d.host}/`);
  // What the server accepted and which version it speaks: the facts of the connection certdoctor made (the host's
  // own values for them are English sentences).
  if (name === "accepted" || name === "version") {
    const c = d.connection || {};
    if (name === "version") return c.tls_version ? visible(c.tls_version) : t("versionUnknown");
    return c.tls_version && c.cipher ? t("acceptedProtocol", visible(c.tls_version), visible(c.cipher)) : t("acceptedNothing");
  }
  // The site as Firefox's error page names it on its button ("Proceed to HOST:PORT (Risky)"): the port only when
  // it is not 443.
  if (name === "page_host") return visible(String((f.values || {}).host_port || d.host || "").replace(/:443$/, ""));
  if (name === "expired_note") {
    const until = (f.values || {}).not_after || leaf.not_after;
    return until && new Date(until) < new Date() ? t("expiredNote", shownDate(until)) : "";
  }
  return undefined;
}

// What Firefox does once a stored certificate is gone (the host judged it again without it).
function afterText(error) {
  return error ? t("afterShows", visible(error)) : t("afterLoads");
}

function argValue(name, f, d) {
  const derived = derivedValue(name, f, d);
  if (derived !== undefined) return derived;
  const v = (f.values || {})[name];
  if (v === undefined || v === null) return visible(d[name] !== undefined ? d[name] : "");
  if (/not_(before|after)$/.test(name)) return shownDate(v);
  return visible(Array.isArray(v) ? v.join(", ") : v);
}

// {code, severity, title, text, todo} in the user's language.
function describeFinding(f, d) {
  const key = messageKey(f.code);
  const args = key === "other" ? [visible(d.host || "")] : FINDING_ARGS[key].map((name) => argValue(name, f, d));
  return { code: f.code, severity: f.severity || "info", title: t(`f_${key}`, ...args),
    text: t(`f_${key}_text`, ...args), todo: t(`f_${key}_todo`, ...args), finding: f };
}
