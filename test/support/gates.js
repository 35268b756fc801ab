#!/usr/bin/env node
// The test task's gates (jest, integ snapshots, eslint), each run to the end even when an earlier one
// failed, so that one build reports every gate; then one verdict line, also saved to
// test-reports/verdict.json for the build's last step (`--print`), which repeats it after packaging so
// that `npx projen build` ends with it.
//
//   node test/support/gates.js [jest args...]   run the gates, exit 1 if any failed
//   node test/support/gates.js --print          print the saved verdict line
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const REPORTS = path.join(process.cwd(), 'test-reports');
const VERDICT = path.join(REPORTS, 'verdict.json');
// integ-runner warns once per snapshot that takes over 60 s to synthesize (a fixed timer in its
// extract worker, no option to change it): on a loaded 2-core machine that is every snapshot, so the
// line says nothing about the result. Its count is kept in the verdict instead.
const SLOW_SNAPSHOT = /Test is taking a very long time/;
const ANSI = /\u001b\[[0-9;]*m/g;

if (process.argv[2] === '--print') {
  console.log(JSON.parse(fs.readFileSync(VERDICT, 'utf-8')).line);
  process.exit(0);
}

/** Runs a command with its output passed through (minus `drop` lines); resolves with its exit code and output. */
function run(cmd, args, drop) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['inherit', 'pipe', 'pipe'] });
    let output = '';
    let dropped = 0;
    const pass = (stream) => {
      let partial = ''; // a line split across chunks is judged whole
      const write = (text) => {
        const lines = (partial + text).split(/(?<=\n)/);
        partial = lines[lines.length - 1].endsWith('\n') ? '' : lines.pop();
        stream.write(lines.filter((l) => !(drop && drop.test(l) && ++dropped)).join(''));
      };
      return { data: (chunk) => { output += chunk; write(chunk.toString()); }, end: () => stream.write(partial) };
    };
    const out = pass(process.stdout);
    const err = pass(process.stderr);
    child.stdout.on('data', out.data);
    child.stderr.on('data', err.data);
    child.on('close', (code) => {
      out.end();
      err.end();
      resolve({ code: code ?? 1, output: output.replace(ANSI, ''), dropped });
    });
  });
}

async function main() {
  fs.mkdirSync(REPORTS, { recursive: true });
  fs.rmSync(VERDICT, { force: true });
  const parts = [];
  let failed = false;

  const jest = await run('npx', ['jest', '--ci', '--json', '--outputFile=test-reports/jest.json', ...process.argv.slice(2)]);
  const jestReport = path.join(REPORTS, 'jest.json');
  const r = fs.existsSync(jestReport) ? JSON.parse(fs.readFileSync(jestReport, 'utf-8')) : undefined;
  parts.push(r ? `jest ${r.numPassedTests} passed, ${r.numFailedTests} failed` : 'jest did not report');
  failed ||= jest.code !== 0;

  const integ = await run('npx', ['projen', 'integ'], SLOW_SNAPSHOT);
  const summary = /Tests:\s+(\d+) (passed|failed), (\d+) total/.exec(integ.output);
  const counts = summary
    ? (summary[2] === 'passed' ? `${summary[1]} passed, 0 failed` : `${Number(summary[3]) - Number(summary[1])} passed, ${summary[1]} failed`)
    : (integ.code === 0 ? 'passed' : 'failed');
  parts.push(`integ ${counts}${integ.dropped ? ` (${integ.dropped} slow to synthesize)` : ''}`);
  failed ||= integ.code !== 0;

  const eslint = await run('npx', ['projen', 'eslint']);
  const problems = /(\d+) problems?/.exec(eslint.output);
  parts.push(eslint.code === 0 ? 'eslint clean' : `eslint ${problems ? `${problems[1]} problems` : 'failed'}`);
  failed ||= eslint.code !== 0;

  const line = `verdict: ${failed ? 'FAIL' : 'PASS'} · ${parts.join(' · ')}`;
  fs.writeFileSync(VERDICT, JSON.stringify({ line, failed }, null, 2));
  console.log(`\n${line}`);
  process.exit(failed ? 1 : 0);
}

main();
