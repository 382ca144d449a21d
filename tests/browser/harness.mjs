// What the truth harnesses (truth.mjs, truth-sequences.mjs) share at their edge: how a check ends, and how the
// command line picks record or check.

// A check that found problems prints them and exits 1; the summary lines come before, from the harness itself.
export function reportProblems(problems) {
  if (!problems.length) return;
  console.error(problems.join('\n'));
  process.exitCode = 1;
}

// `record` or `check`, with the options parsed by the harness; anything else is a usage error (exit 2).
export async function runRecordOrCheck(opts, { record, check }, usage) {
  if (opts.cmd === 'record') await record(opts);
  else if (opts.cmd === 'check') await check(opts);
  else { console.error(usage); process.exitCode = 2; }
}
