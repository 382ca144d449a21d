// Loopback TLS servers for the browser tests: `openssl s_server` on a free port, stopped by its process id.
import { spawn } from 'node:child_process';
import net from 'node:net';

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
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
export async function sServer({ cert, key, args = [] }) {
  let out = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const proc = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-www', '-cert', cert, '-key', key, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] });
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
