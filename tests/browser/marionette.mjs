// Firefox ESR driven through Marionette, for tests that press Firefox's own UI: the toolbar button, the context
// menus, a keyboard shortcut. Puppeteer's BiDi connection cannot reach the browser's chrome; Marionette can run
// code in it, so a test runs exactly what a click runs (see ../shared facts: browserActionFor(ext).triggerAction).
// The protocol: frames "LENGTH:JSON", commands [0, id, name, params], replies [1, id, error, result].
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { FIREFOX, closedNetworkPrefs } from './firefox.mjs';
import { stopProcess } from './servers.mjs';

class Connection {
  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.nextId = 1;
    this.waiting = new Map();
    this.hello = new Promise((resolve) => { this.onHello = resolve; });
    socket.on('data', (d) => this.receive(d));
    socket.on('close', () => {
      for (const { reject } of this.waiting.values()) reject(new Error('Marionette connection closed'));
      this.waiting.clear();
    });
  }

  receive(data) {
    this.buffer = Buffer.concat([this.buffer, data]);
    for (;;) {
      const colon = this.buffer.indexOf(':');
      if (colon < 0) return;
      const length = Number(this.buffer.subarray(0, colon).toString());
      if (this.buffer.length < colon + 1 + length) return;
      const message = JSON.parse(this.buffer.subarray(colon + 1, colon + 1 + length).toString());
      this.buffer = this.buffer.subarray(colon + 1 + length);
      if (!Array.isArray(message)) { this.onHello(message); continue; }
      const [, id, error, result] = message;
      const w = this.waiting.get(id);
      if (!w) continue;
      this.waiting.delete(id);
      if (error) w.reject(new Error(`${w.name}: ${error.error}: ${error.message}`));
      else w.resolve(result);
    }
  }

  send(name, params = {}) {
    const id = this.nextId++;
    const body = Buffer.from(JSON.stringify([0, id, name, params]));
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, name });
      this.socket.write(`${body.length}:`);
      this.socket.write(body);
    });
  }
}

function userJs(prefs) {
  return Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n') + '\n';
}

// Polls `check` (an async function) every `everyMs` until it returns something other than null/undefined/false, and
// returns that; throws `what` after `timeoutMs`. Tests wait for conditions this way, never for a fixed time.
export async function waitFor(what, check, { timeoutMs = 30000, everyMs = 50 } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// The port Firefox's Marionette server listens on: with `marionette.port` 0 Firefox binds a port of its own choice
// and writes it to MarionetteActivePort in the profile (removed again when it quits), so no port is picked by us and
// released before Firefox binds it.
async function activePort(profileDir, proc) {
  const file = path.join(profileDir, 'MarionetteActivePort');
  return waitFor('Firefox to report its Marionette port in ' + file, () => {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`Firefox exited (${proc.exitCode ?? proc.signalCode}) before Marionette started`);
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
    return /^\d+$/.test(text) && Number(text) > 0 ? Number(text) : null;
  }, { timeoutMs: 60000, everyMs: 100 });
}

// Starts Firefox on `profileDir` with HOME = `home` and returns a session: { run, chrome, content, ..., close }.
export async function launchMarionette({ profileDir, home, prefs = {}, env = {}, names = [], headless = true }) {
  fs.mkdirSync(home, { recursive: true });
  fs.rmSync(path.join(profileDir, 'MarionetteActivePort'), { force: true });  // a stale one from a killed run
  fs.writeFileSync(path.join(profileDir, 'user.js'), userJs({ ...closedNetworkPrefs(names), 'marionette.port': 0,
    'browser.startup.homepage_override.mstone': 'ignore', 'browser.aboutwelcome.enabled': false,
    'startup.homepage_welcome_url': 'about:blank', 'browser.startup.page': 0, 'toolkit.startup.max_resumed_crashes': -1,
    ...prefs }));
  const proc = spawn(FIREFOX, [...(headless ? ['--headless'] : []), '--marionette', '-remote-allow-system-access', '--no-remote',
    '--profile', profileDir], { env: { ...process.env, ...env, HOME: home, MOZ_CRASHREPORTER_DISABLE: '1' },
    stdio: ['ignore', process.env.CERTDOCTOR_FIREFOX_LOG ? 'inherit' : 'ignore', process.env.CERTDOCTOR_FIREFOX_LOG ? 'inherit' : 'ignore'] });
  let conn = null;
  try {
    const port = await activePort(profileDir, proc);
    const socket = await new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.on('error', reject);
    });
    conn = new Connection(socket);
    let timer;
    await Promise.race([conn.hello, new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error('Marionette sent no greeting within 30 s')), 30000);
    })]).finally(() => clearTimeout(timer));
    await conn.send('WebDriver:NewSession', { capabilities: { alwaysMatch: { acceptInsecureCerts: false } } });
  } catch (e) {
    if (conn) conn.socket.destroy();
    stopProcess(proc);
    throw e;
  }
  return new Session(conn, proc);
}

export class Session {
  constructor(conn, proc) { this.conn = conn; this.proc = proc; this.context = 'content'; }

  send(name, params) { return this.conn.send(name, params); }

  async setContext(context) {
    if (this.context !== context) await this.send('Marionette:SetContext', { value: context });
    this.context = context;
  }

  // Runs `fn` (a function; its source is sent) with `args` in the chrome or content context; async functions are
  // awaited (the script's last argument is Marionette's resolve callback).
  async run(context, fn, ...args) {
    await this.setContext(context);
    const script = `const done = arguments[arguments.length - 1];
      Promise.resolve((${fn.toString()})(...Array.from(arguments).slice(0, -1))).then(done,
        (e) => done({ __error: String(e && e.stack || e) }));`;
    const r = await this.send('WebDriver:ExecuteAsyncScript', { script, args, scriptTimeout: 120000 });
    const value = r.value;
    if (value && value.__error) throw new Error(value.__error);
    return value;
  }

  chrome(fn, ...args) { return this.run('chrome', fn, ...args); }
  content(fn, ...args) { return this.run('content', fn, ...args); }

  async installTemporary(dir) {
    return (await this.send('Addon:Install', { path: dir, temporary: true })).value;
  }

  async navigate(url) {
    await this.setContext('content');
    return this.send('WebDriver:Navigate', { url }).then(() => null, (e) => String(e.message));
  }

  // A PNG of the current content tab's whole page (full: true) or its viewport.
  async screenshot(file, { full = true } = {}) {
    await this.setContext('content');
    const r = await this.send('WebDriver:TakeScreenshot', { full, hash: false });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(r.value, 'base64'));
  }

  // Asks Firefox to quit, waits for its process to end (bounded), and kills it by its id if it is still there.
  async close() {
    const exited = new Promise((r) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) r();
      else this.proc.once('exit', r);
    });
    const bound = (ms) => new Promise((r) => setTimeout(r, ms));
    try {
      await Promise.race([this.send('Marionette:Quit', { flags: ['eForceQuit'] }), exited, bound(10000)]);
    } catch { /* already gone */ }
    this.conn.socket.destroy();
    await Promise.race([exited, bound(10000)]);
    stopProcess(this.proc);
  }
}
