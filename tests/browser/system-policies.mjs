// Firefox's system policies.json for a policy test: its distribution folder is written (the testing pref for
// another policy path is ignored by release builds), so such tests run alone (CTest RUN_SERIAL), and whatever
// policies.json was there is put back afterwards, also on SIGINT/SIGTERM. Without write access the test is skipped
// (exit 77, CTest's SKIP_RETURN_CODE for these entries).
import fs from 'node:fs';
import path from 'node:path';
import { FIREFOX } from './firefox.mjs';

export function systemPolicies() {
  const distribution = path.join(path.dirname(fs.realpathSync(FIREFOX)), 'distribution');
  const file = path.join(distribution, 'policies.json');
  try {
    fs.mkdirSync(distribution, { recursive: true });
    fs.accessSync(distribution, fs.constants.W_OK);
  } catch (e) {
    console.log(`SKIP: cannot write ${distribution} (${e.code}); the policy test needs to`);
    process.exit(77);
  }
  const saved = fs.existsSync(file) ? fs.readFileSync(file) : null;
  const restore = () => {
    if (saved !== null) fs.writeFileSync(file, saved);
    else fs.rmSync(file, { force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { restore(); process.exit(1); });
  return { write: (text) => fs.writeFileSync(file, text), restore };
}
