// Records how Firefox ESR itself parses tricky https URLs (backslashes, userinfo, numeric hosts, odd slashes,
// whitespace), so that certdoctor's parse_target (native-host/lib/fetch/url.cpp) is checked against the host
// and port Firefox would open, not against anyone's reading of the standard (tests/test_url.cpp reads the file).
// `new URL()` in a page runs the same parser Firefox uses for navigation.
//   node tests/browser/record-url-parsing.mjs            # writes tests/data/firefox/url-parsing.json
//   node tests/browser/record-url-parsing.mjs --check    # re-measures and fails when Firefox answers otherwise
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFirefox, closeFirefox, firefoxVersion } from './firefox.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'data', 'firefox', 'url-parsing.json');

// The inputs: each one a way a parser could disagree about the host.
const urls = [
  'https://evil.example\\@127.0.0.1/',
  'https://evil.example\\@127.0.0.1:8443/',
  'https://user:pass@router.test/',
  'https://a@b@c.test/',
  'https://a%40b@c.test/',
  'https://evil.example#@127.0.0.1/',
  'https://evil.example?@127.0.0.1/',
  'https://evil.example/@127.0.0.1/',
  'https:\\\\evil.example\\x',
  'https:/\\evil.example/',
  'https:evil.example/',
  'https:///evil.example/',
  'https:////evil.example/',
  'HTTPS://EVIL.Example/',
  ' https://evil.example/ ',
  'https://ev\til.example/',
  'https://ev\nil.example/',
  'https://evil.example:0443/',
  'https://evil.example:443/',
  'https://evil.example:/',
  'https://evil.example./',
  'https://2130706433/',
  'https://0x7f.1/',
  'https://0177.0.0.1/',
  'https://127.1/',
  'https://127.0.0.1./',
  'https://1.2.3.4.5/',
  'https://256.0.0.1/',
  'https://0x100000000/',
  'https://ev%69l.example/',
  'https://ev%2eil.example/',
  'https://[::1]:8443/',
  'https://[::ffff:127.0.0.1]/',
  'https://[0:0:0:0:0:0:0:1]/',
  'https://evil.example:8443@127.0.0.1/',
  'https://127.0.0.1:8443\\@evil.example/',
  'https://-remote/',
  'https://evil_host.example/',
  'https://xn--bcher-kva.example/',
];

async function measure() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-urls-'));
  let browser;
  try {
    browser = await launchFirefox({ profileDir: path.join(dir, 'profile'), home: path.join(dir, 'home') });
    const page = await browser.newPage();
    return await page.evaluate((inputs) => inputs.map((input) => {
      try {
        const u = new URL(input);
        if (u.protocol !== 'https:') return { input, error: 'not https: ' + u.protocol };
        const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
        return { input, host, port: u.port === '' ? 443 : Number(u.port) };
      } catch (e) {
        return { input, error: String(e && e.name) };
      }
    }), urls);
  } finally {
    if (browser) await closeFirefox(browser);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const answers = await measure();
const version = firefoxVersion();
if (process.argv.includes('--check')) {
  const recorded = JSON.parse(fs.readFileSync(out, 'utf8'));
  const differ = answers.filter((a, i) => JSON.stringify(a) !== JSON.stringify(recorded.urls[i]));
  if (differ.length) {
    console.error('Firefox now parses these differently from the recording:', JSON.stringify(differ, null, 2));
    process.exit(1);
  }
  console.log(`${answers.length} URLs: ${version} parses them as recorded`);
} else {
  fs.writeFileSync(out, JSON.stringify({ firefox: version, method: 'new URL() in a page', urls: answers }, null, 2) + '\n');
  console.log(`recorded ${answers.length} URLs from ${version} in ${out}`);
}
