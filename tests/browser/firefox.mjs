// Starts Debian's Firefox ESR headless on a given profile folder, for tests that need the real browser's answer.
// Everything a test starts is stopped by its process id; profiles and homes live in temporary folders.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import puppeteer from 'puppeteer-core';

export const FIREFOX = process.env.CERTDOCTOR_FIREFOX || '/usr/bin/firefox-esr';

export function firefoxVersion() {
  return execFileSync(FIREFOX, ['--version'], { encoding: 'utf8', env: { ...process.env, HOME: '/tmp' } }).trim();
}

// Prefs for a closed network: no OCSP, no remote settings, no connectivity probes, no telemetry; `names`
// resolve to loopback so certificates for real-looking names can be served locally.
export function closedNetworkPrefs(names) {
  return {
    'security.OCSP.enabled': 0,
    'security.remote_settings.crlite_filters.enabled': false,
    'security.pki.crlite_mode': 0,
    'services.settings.server': 'http://127.0.0.1:9/',
    'network.connectivity-service.enabled': false,
    'network.captive-portal-service.enabled': false,
    'network.dns.localDomains': names.join(','),
    'network.proxy.type': 0,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.enabled': false,
    'app.update.enabled': false,
    'extensions.update.enabled': false,
    'browser.shell.checkDefaultBrowser': false,
  };
}

// Launches Firefox on `profileDir` (a folder made with certutil) with HOME = `home`.
export async function launchFirefox({ profileDir, home, names = [], prefs = {}, headless = true, env = {} }) {
  fs.mkdirSync(home, { recursive: true });
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless,
    userDataDir: profileDir,
    env: { ...process.env, ...env, HOME: home, MOZ_CRASHREPORTER_DISABLE: '1' },
    extraPrefsFirefox: { ...closedNetworkPrefs(names), ...prefs },
    protocolTimeout: 60000,
    dumpio: !!process.env.CERTDOCTOR_FIREFOX_LOG,  // set it to see Firefox's own output when a test fails
  });
}

// Loads `url` in a new tab: { error: null, status } when the page loads, { error: NAME } when Firefox refuses it
// with a security error (the exact NSS / mozilla::pkix name), { error: 'NS_ERROR_…' } for other failures.
export async function loadVerdict(browser, url, timeoutMs = 20000) {
  const page = await browser.newPage();
  try {
    const response = await page.goto(url, { timeout: timeoutMs, waitUntil: 'load' });
    return { error: null, status: response ? response.status() : null };
  } catch (e) {
    return { error: errorName(String(e && e.message)), message: String(e && e.message) };
  } finally {
    await page.close().catch(() => {});
  }
}

export function errorName(message) {
  // Firefox gave no answer in time (pathological chains keep its path search busy for minutes).
  if (/timed out|timeout .* exceeded/i.test(message)) return 'TIMEOUT';
  const security = /NS_ERROR_MODULE_SECURITY,\s*([A-Z0-9_]+)\)/.exec(message);
  if (security) return security[1];
  const other = /\b(NS_ERROR_[A-Z0-9_]+|NS_BINDING_[A-Z_]+)\b/.exec(message);
  return other ? other[1] : 'unknown: ' + message.slice(0, 200);
}

// Closes the browser and makes sure its process is gone (by its pid, never by name).
export async function closeFirefox(browser) {
  const proc = browser.process();
  await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 10000))]);
  if (proc && proc.exitCode === null && proc.pid) {
    try { process.kill(proc.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}
