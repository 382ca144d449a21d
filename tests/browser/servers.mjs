// Loopback TLS servers for the browser tests: `openssl s_server` on a free port, stopped by its process id.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export function freePort(address = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, address, () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export function stopProcess(proc) {
  if (proc && proc.exitCode === null && proc.signalCode === null && proc.pid) {
    try { process.kill(proc.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

// Serves `cert` (a PEM file, leaf first) with `key` and any further s_server arguments; resolves with
// { port, url(host), stop } once it accepts, or { error } when s_server refuses (a port taken between our probe and
// its bind is retried).
// `www`: '-www' (a status page for any path) or '-WWW' (the files of `cwd`, e.g. a page with a title of its own).
// `address`: the loopback address to listen on (127.0.0.1 unless a test serves a name that resolves elsewhere in 127/8).
export async function sServer({ cert, key, args = [], www = '-www', cwd, address = '127.0.0.1' }) {
  let out = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort(address);
    const proc = spawn('openssl', ['s_server', '-accept', `${address}:${port}`, www, '-cert', cert, '-key', key, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    out = '';
    const ready = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 10000);
      proc.stdout.on('data', (d) => { out += d; if (out.includes('ACCEPT')) { clearTimeout(timer); resolve(true); } });
      proc.stderr.on('data', (d) => { out += d; });
      proc.on('exit', () => { clearTimeout(timer); resolve(false); });
    });
    if (ready) return { port, url: (host) => `https://${host}:${port}/`, stop: () => stopProcess(proc) };
    stopProcess(proc);
    if (!/Address already in use|bind/i.test(out)) break;
  }
  return { error: 'server refused: ' + out.trim().split('\n').slice(-2).join(' ') };
}

// A loopback server that misbehaves right after the client's first TLS record (its ClientHello): `close` hangs up,
// `alert` answers with one fatal alert (`alert` = its number) in a TLS 1.2 record and hangs up. Resolves with
// { port, url(host), stop }.
export async function misbehavingServer({ behaviour, alert = 40 }) {
  const sockets = new Set();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 5 || buf.length < 5 + buf.readUInt16BE(3)) return;
      if (behaviour === 'alert') s.end(Buffer.from([21, 3, 3, 0, 2, 2, alert]));
      else s.destroy();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    port,
    url: (host) => `https://${host}:${port}/`,
    stop: () => { for (const s of sockets) s.destroy(); server.close(); },
  };
}

// A real HTTP CONNECT proxy (tinyproxy, in the foreground) on a free loopback port, logging each request to
// `dir`/tinyproxy.log. Resolves with { port, url, connects(target), stop } once it listens (a port taken between our
// probe and its bind is retried); connects('host:port') counts the CONNECT requests for that target so far.
export async function tinyproxy(dir) {
  const log = path.join(dir, 'tinyproxy.log');
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    fs.writeFileSync(path.join(dir, 'tinyproxy.conf'), [`Port ${port}`, 'Listen 127.0.0.1', 'Timeout 15', 'MaxClients 20',
      'LogLevel Info'].join('\n') + '\n');
    const out = fs.openSync(log, 'w');
    const proc = spawn('tinyproxy', ['-d', '-c', path.join(dir, 'tinyproxy.conf')], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    const ready = await new Promise((resolve) => {
      const timer = setInterval(() => {
        const text = fs.readFileSync(log, 'utf8');
        if (/Accepting connections/i.test(text)) { clearInterval(timer); resolve(true); }
        if (proc.exitCode !== null || proc.signalCode !== null || /could not|unable|error/i.test(text)) { clearInterval(timer); resolve(false); }
      }, 50);
      setTimeout(() => { clearInterval(timer); resolve(false); }, 10000);
    });
    if (ready) {
      return { port, url: `http://127.0.0.1:${port}`, stop: () => stopProcess(proc),
        connects: (target) => fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes(`CONNECT ${target} `)).length,
        log: () => fs.readFileSync(log, 'utf8') };
    }
    stopProcess(proc);
  }
  throw new Error('tinyproxy did not start: ' + fs.readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' '));
}
