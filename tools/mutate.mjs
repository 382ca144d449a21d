#!/usr/bin/env node
// The mutation check: do the tests guard the product? Each mutant of tools/mutants.json is one small change at a
// place the product's promise rests on (the verdict, the signature check, the backup before the removal, ...). For
// each, this builds the product with the change in a scratch tree and runs the tests; a mutant the tests do not
// notice ("survives") is a hole in the tests. Exit 0 when every mutant is killed, 1 when any survives or cannot be
// judged, 2 for bad arguments.
//
//   node tools/mutate.mjs [--only ID,ID] [--rest all|fast|none] [--no-baseline] [--report FILE] [--jobs N]
//                         [--scratch-parent DIR] [--list]
//
// The scratch tree is a git worktree of HEAD (commit first: changes not committed are not in it) with its own build
// folder, made next to the repository so that ccache (CCACHE_DIR, base_dir) serves the objects the repository's
// build already compiled: the first build is mostly cache hits, and each mutant rebuilds only its own file and what
// links it. Mutants run one at a time, to stay affordable on a shared machine:
//   1. the mutant's expected killers (its `killers`: CTest names or their beginnings), with --stop-on-failure;
//   2. only if it survives them, the rest of the suite, again stopping at the first failure: `--rest all` (default)
//      runs every other CTest entry, `--rest fast` only the unit, integration and recorded entries (no Firefox, no
//      packaging, no fuzzing), `--rest none` nothing (the report says which was done).
// Before the mutants, the killers of all of them run once on the unchanged tree (--no-baseline skips it): a killer
// that fails without any mutant would "kill" every mutant and prove nothing.
// The script removes the worktree and its build folder when it ends, also on Ctrl-C or SIGTERM, and stops the
// processes it started (each in its own process group) by their id.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = execFileSync('git', ['-C', here, 'rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();

// ---- arguments
const args = process.argv.slice(2);
const opt = { only: null, rest: 'all', baseline: true, report: null, jobs: 2, scratchParent: path.dirname(root), list: false };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => {
    if (i + 1 >= args.length) usage(`${a} needs a value`);
    return args[++i];
  };
  if (a === '--only') opt.only = value().split(',').filter(Boolean);
  else if (a === '--rest') opt.rest = value();
  else if (a === '--no-baseline') opt.baseline = false;
  else if (a === '--report') opt.report = path.resolve(value());
  else if (a === '--jobs') opt.jobs = Number(value());
  else if (a === '--scratch-parent') opt.scratchParent = path.resolve(value());
  else if (a === '--list') opt.list = true;
  else usage(`unknown argument '${a}'`);
}
if (!['all', 'fast', 'none'].includes(opt.rest)) usage('--rest takes all, fast or none');
if (!Number.isInteger(opt.jobs) || opt.jobs < 1) usage('--jobs takes a positive whole number');

function usage(why) {
  process.stderr.write(`mutate: ${why}\nusage: node tools/mutate.mjs [--only ID,ID] [--rest all|fast|none] ` +
    '[--no-baseline] [--report FILE] [--jobs N] [--scratch-parent DIR] [--list]\n');
  process.exit(2);
}

// ---- the mutants, checked against HEAD before anything is built
const head = execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
const all = JSON.parse(fs.readFileSync(path.join(here, 'mutants.json'), 'utf8')).mutants;
const ids = new Set();
for (const m of all) {
  for (const key of ['id', 'file', 'find', 'breaks']) {
    if (typeof m[key] !== 'string' || !m[key]) usage(`mutants.json: a mutant without '${key}'`);
  }
  if (typeof m.replace !== 'string' || !Array.isArray(m.killers) || !m.killers.length) {
    usage(`mutants.json: ${m.id} needs 'replace' and at least one killer`);
  }
  if (ids.has(m.id)) usage(`mutants.json: the id ${m.id} is used twice`);
  ids.add(m.id);
  const text = execFileSync('git', ['-C', root, 'show', `${head}:${m.file}`], { encoding: 'utf8' });
  const found = text.split(m.find).length - 1;
  if (found !== (m.count ?? 1)) usage(`${m.id}: its text occurs ${found} times in ${m.file} at HEAD, not ${m.count ?? 1}`);
}
for (const id of opt.only || []) if (!ids.has(id)) usage(`no mutant '${id}' in tools/mutants.json`);
const mutants = opt.only ? all.filter((m) => opt.only.includes(m.id)) : all;

if (opt.list) {
  for (const m of mutants) console.log(`${m.id}\t${m.file}\t${m.breaks}`);
  process.exit(0);
}
const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
if (dirty) console.log(`mutate: note: changes not committed are not tested (the scratch tree is HEAD ${head.slice(0, 10)})`);

// ---- processes and the scratch tree, always cleaned up
let current = null;  // the running child process
let scratch = null;  // { dir, src }
function cleanup() {
  if (current && current.exitCode === null && current.signalCode === null) {
    try { process.kill(-current.pid, 'SIGTERM'); } catch { /* already gone */ }
  }
  if (scratch) {
    try { execFileSync('git', ['-C', root, 'worktree', 'remove', '--force', scratch.src], { stdio: 'ignore' }); } catch { /* removed below */ }
    fs.rmSync(scratch.dir, { recursive: true, force: true });
    try { execFileSync('git', ['-C', root, 'worktree', 'prune'], { stdio: 'ignore' }); } catch { /* nothing to prune */ }
    scratch = null;
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.log(`\nmutate: ${sig}: stopping and removing the scratch tree`);
    cleanup();
    process.exit(130);
  });
}
process.on('exit', cleanup);

// Runs a command in its own process group, its output appended to `log`; resolves to its exit status.
function run(cmd, argv, { cwd, log, env } = {}) {
  return new Promise((resolve) => {
    const out = fs.openSync(log, 'a');
    fs.writeSync(out, `\n$ ${cmd} ${argv.join(' ')}\n`);
    current = spawn(cmd, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', out, out], detached: true });
    current.on('exit', (code, signal) => {
      fs.closeSync(out);
      current = null;
      resolve(code ?? 128 + (signal ? 15 : 0));
    });
    current.on('error', (e) => {
      fs.writeSync(out, `${e.message}\n`);
      fs.closeSync(out);
      current = null;
      resolve(127);
    });
  });
}

const seconds = (t0) => Math.round((Date.now() - t0) / 1000);
// The build folder sits inside the worktree as build/ does in the repository: the same relative paths, so that
// ccache's base_dir finds the objects compiled there.
const scratchDir = fs.mkdtempSync(path.join(opt.scratchParent, '.certdoctor-mutants-'));
// Readable as the repository's own folders are (mkdtemp makes it 0700): tests run programs as the user nobody on the
// build's files (tests/check-skips.sh, the root-only safety tests).
fs.chmodSync(scratchDir, 0o755);
scratch = { dir: scratchDir, src: scratchDir };
const build = path.join(scratchDir, 'build');
const logDir = path.join(root, 'build', 'mutants');  // kept: one log per mutant, for the report's reader
fs.mkdirSync(logDir, { recursive: true });
const mainLog = path.join(logDir, 'setup.log');
fs.writeFileSync(mainLog, '');

async function must(what, cmd, argv, o) {
  const t0 = Date.now();
  process.stdout.write(`  ${what} ... `);
  const rc = await run(cmd, argv, { log: mainLog, ...o });
  if (rc !== 0) {
    console.log(`FAILED (exit ${rc}); see ${mainLog}`);
    process.exit(1);
  }
  console.log(`done (${seconds(t0)} s)`);
}

// The CTest entries of the build, in CTest's numbering (1-based).
function ctestEntries() {
  const j = JSON.parse(execFileSync('ctest', ['--test-dir', build, '--show-only=json-v1'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  return j.tests.map((t, i) => ({ number: i + 1, name: t.name }));
}
// catch_discover_tests drops the space of its TEST_PREFIX ("unit: " gives "unit:audit ..."): names are compared
// without the spaces after their group's colon, whichever way the prefix is written.
const norm = (name) => name.replace(/^([a-z]+):\s*/, '$1:');
const startsWith = (entry, killer) => norm(entry.name).startsWith(norm(killer));
function killersOf(m, entries) {
  const chosen = entries.filter((e) => m.killers.some((k) => startsWith(e, k)));
  const missing = m.killers.filter((k) => !entries.some((e) => startsWith(e, k)));
  return { chosen, missing };
}
// Runs the given entries one at a time, stopping at the first failure. Resolves to the failed entry's name or null.
async function ctest(entries, log) {
  if (!entries.length) return null;
  const failedLog = path.join(build, 'Testing', 'Temporary', 'LastTestsFailed.log');
  fs.rmSync(failedLog, { force: true });
  const rc = await run('ctest', ['--test-dir', build, '--output-on-failure', '--stop-on-failure',
    '-I', `0,0,0,${entries.map((e) => e.number).join(',')}`], { log });
  if (rc === 0) return null;
  const failed = fs.existsSync(failedLog) ? fs.readFileSync(failedLog, 'utf8').trim().split('\n')[0] : '';
  return failed ? failed.replace(/^\d+:/, '') : `ctest exit ${rc}`;
}
// What the tests run, rebuilt for each mutant (the first build makes everything; the layering checks' shared
// objects, the fuzzers and the packages are left as they were: they test the build, not behaviour, and take long).
const MUTANT_TARGETS = ['certdoctor', 'certdoctor-host', 'unit_tests', 'integration_tests', 'recorded_replies', 'xpi',
  'host-manifests'];
// Only what the given entries run is rebuilt before them: a mutant killed by a unit test links nothing else.
function targetsFor(chosen) {
  const t = new Set();
  for (const { name } of chosen) {
    if (name.startsWith('unit:')) t.add('unit_tests');
    else if (name.startsWith('integration:')) ['integration_tests', 'certdoctor', 'certdoctor-host'].forEach((x) => t.add(x));
    else if (name.startsWith('recorded:')) ['recorded_replies', 'certdoctor', 'certdoctor-host'].forEach((x) => t.add(x));
    else MUTANT_TARGETS.forEach((x) => t.add(x));
  }
  return [...t];
}
const isFast = (name) => /^(unit|integration|recorded):/.test(name);

// ---- the scratch tree and its first build
console.log(`mutate: ${mutants.length} mutants of HEAD ${head.slice(0, 10)}; scratch tree ${scratch.src}; logs in ${logDir}`);
await must('worktree of HEAD', 'git', ['-C', root, 'worktree', 'add', '--detach', '--quiet', scratch.src, head]);
// The browser tests' npm packages (installed in the repository with npm ci) serve the scratch tree as they are.
// Without them every browser killer would fail at its first import and "kill" its mutant for nothing.
const modules = path.join(root, 'tests', 'browser', 'node_modules');
if (fs.existsSync(modules)) fs.symlinkSync(modules, path.join(scratch.src, 'tests', 'browser', 'node_modules'));
else if (mutants.some((m) => m.killers.some((k) => !/^(unit|integration|recorded):/.test(k)))) {
  console.log('mutate: tests/browser/node_modules is missing: run (cd tests/browser && npm ci --no-audit --no-fund) first');
  process.exit(1);
}
const launcher = (() => {
  try { execFileSync('ccache', ['--version'], { stdio: 'ignore' }); return ['-DCMAKE_CXX_COMPILER_LAUNCHER=ccache', '-DCMAKE_C_COMPILER_LAUNCHER=ccache']; } catch { return []; }
})();
const ninja = (() => { try { execFileSync('ninja', ['--version'], { stdio: 'ignore' }); return ['-G', 'Ninja']; } catch { return []; } })();
await must('configure', 'cmake', ['-S', scratch.src, '-B', build, ...ninja, '-DBUILD_TESTING=ON', ...launcher]);
await must(`build the unchanged tree (-j${opt.jobs})`, 'cmake', ['--build', build, `-j${opt.jobs}`]);
const entries = ctestEntries();
console.log(`  ${entries.length} CTest entries`);
for (const m of mutants) {
  const { missing } = killersOf(m, entries);
  if (missing.length) {
    console.log(`mutate: ${m.id}: no CTest entry starts with ${missing.map((k) => JSON.stringify(k)).join(', ')}`);
    process.exit(1);
  }
}

if (opt.baseline) {
  const union = entries.filter((e) => mutants.some((m) => killersOf(m, [e]).chosen.length));
  const t0 = Date.now();
  process.stdout.write(`  the ${union.length} killers on the unchanged tree ... `);
  const failed = await ctest(union, path.join(logDir, 'baseline.log'));
  if (failed) {
    console.log(`FAILED: '${failed}' fails without any mutant (${path.join(logDir, 'baseline.log')})`);
    process.exit(1);
  }
  console.log(`pass (${seconds(t0)} s)`);
}

// ---- the mutants, one at a time
const rows = [];
for (const m of mutants) {
  const log = path.join(logDir, `${m.id}.log`);
  fs.writeFileSync(log, `${m.id}: ${m.breaks}\n${m.file}\n- ${m.find}\n+ ${m.replace}\n`);
  const file = path.join(scratch.src, m.file);
  const original = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, original.split(m.find).join(m.replace));
  const t0 = Date.now();
  const row = { id: m.id, killedBy: '', stage: '', build: 0, test: 0, file: m.file };
  process.stdout.write(`${m.id} ... `);
  const { chosen } = killersOf(m, entries);
  if (await run('cmake', ['--build', build, `-j${opt.jobs}`, '--target', ...targetsFor(chosen)], { log }) !== 0) {
    row.killedBy = '(does not build)';
    row.stage = 'invalid';
  } else {
    row.build = seconds(t0);
    const t1 = Date.now();
    let failed = await ctest(chosen, log);
    if (failed) {
      row.killedBy = failed;
      row.stage = 'expected killer';
    } else if (opt.rest !== 'none') {
      const rest = entries.filter((e) => !chosen.includes(e) && (opt.rest === 'all' || isFast(e.name)));
      failed = await run('cmake', ['--build', build, `-j${opt.jobs}`, '--target', ...targetsFor(rest)], { log }) !== 0
        ? '(the rest does not build)' : await ctest(rest, log);
      row.killedBy = failed || '';
      row.stage = failed ? `rest of the suite (${opt.rest})` : `survived killers and rest (${opt.rest})`;
    } else {
      row.stage = 'survived killers (rest not run)';
    }
    row.test = seconds(t1);
  }
  fs.writeFileSync(file, original);
  rows.push(row);
  console.log(row.killedBy ? `killed by '${row.killedBy}' (${row.stage}; build ${row.build} s, tests ${row.test} s)`
                           : `SURVIVED (${row.stage}; build ${row.build} s, tests ${row.test} s)`);
}
// Back to the unchanged tree, so that nothing of the last mutant is left in a build folder anyone could reuse.
cleanup();

// ---- the report
const cell = (s) => String(s).replace(/\|/g, '\\|');
const lines = [
  `Mutation check of ${head.slice(0, 10)} (${new Date().toISOString().slice(0, 16)}Z); the rest of the suite: ${opt.rest}` +
    `${opt.baseline ? '; killers passed on the unchanged tree first' : ''}.`,
  '',
  '| mutant | killed by | stage | build s | tests s |',
  '| --- | --- | --- | ---: | ---: |',
  ...rows.map((r) => `| \`${r.id}\` | ${r.killedBy ? cell(r.killedBy) : '**survived**'} | ${r.stage} | ${r.build} | ${r.test} |`),
];
const survivors = rows.filter((r) => !r.killedBy || r.stage === 'invalid');
lines.push('', survivors.length ? `${survivors.length} of ${rows.length} not killed: ${survivors.map((r) => r.id).join(', ')}`
                                : `all ${rows.length} mutants killed`);
const report = lines.join('\n') + '\n';
console.log(`\n${report}`);
if (opt.report) fs.writeFileSync(opt.report, report);
process.exit(survivors.length ? 1 : 0);
