// A finding of the host in the user's language: the extension renders its own words from the finding's `code`
// and `values` through _locales (f_<code>, f_<code>_text, f_<code>_todo). What it knows of each code, the values
// those messages take in placeholder order and its kind, is the host's one table of codes (codes.def's web column),
// generated into generated/codes.js (CODES); nothing here names a code. A code of a newer host that this version
// does not know gets the general f_other messages, and the host's text under Technical details.
"use strict";

function codeFacts(code) {
  return Object.prototype.hasOwnProperty.call(CODES, code) ? CODES[code] : null;
}

// Values the host does not send but the words need, taken from the diagnosis.
function derivedValue(name, f, d) {
  const leaf = (d.chain || [])[0] || {};
  if (name === "aia") {
    const urls = (leaf.authority_info_access && leaf.authority_info_access.ca_issuers) || [];
    return urls.length ? t("aiaWhere", visible(urls[0])) : "";
  }
  if (name === "after") return afterText((f.values || {}).after_error);
  // A certificate's key from its facts (type, and its size or curve), and its names ("" when it has none).
  const values = f.values || {};
  if (name === "key" && values.key_type !== undefined) {
    if (values.key_curve) return visible(`${values.key_type} ${values.key_curve}`);
    return values.key_bits ? t("keyBits", visible(values.key_type), visible(values.key_bits)) : visible(values.key_type);
  }
  if (/(^|_)names$/.test(name) && values[name] === "") return t("namesNone");
  // A date the host could not know (an issuer it did not find).
  if (/not_(before|after)$/.test(name) && values[name] === undefined) return t("dateUnknown");
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

// {code, kind, severity, title, text, todo, [action]} in the user's language; `action`: the label of the one button
// of a finding that a removal fixes (kind "removal").
function describeFinding(f, d) {
  const facts = codeFacts(f.code);
  const key = facts ? f.code : "other";
  const args = facts ? facts.values.map((name) => argValue(name, f, d)) : [visible(d.host || "")];
  const described = { code: f.code, kind: facts ? facts.kind : "other", severity: f.severity || "info",
    title: t(`f_${key}`, ...args), text: t(`f_${key}_text`, ...args), todo: t(`f_${key}_todo`, ...args), finding: f };
  if (described.kind === "removal") described.action = t(`f_${key}_action`);
  return described;
}
