import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { TestPostgres, connectAsAdmin, startTestPostgres, sweepStaleTestPostgres } from './postgres';

/**
 * The PostgreSQL fixture itself: it must never leave a server or a directory behind, whether a test
 * kills its server, or the test process itself is killed before it could call `stop()`.
 */

/** The postmaster's PID: the first line of `postmaster.pid` (PostgreSQL's documented layout, storage-file-layout). */
function postmasterPid(dir: string): number {
  return Number(fs.readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf-8').split('\n')[0]);
}

/** The postmaster and its children (backends, checkpointer, ...), from `ps` (POSIX). */
function serverProcesses(postmaster: number): number[] {
  const rows = execFileSync('ps', ['-A', '-o', 'pid=', '-o', 'ppid='], { encoding: 'utf-8' })
    .trim().split('\n').map((row) => row.trim().split(/\s+/).map(Number));
  return [postmaster, ...rows.filter(([, ppid]) => ppid === postmaster).map(([pid]) => pid)];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, ms = 5000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if (condition()) return true;
  }
  return condition();
}

/** Starts the fixture in a separate Node.js process, as a test file would, and returns it with its server's directory. */
async function startInChildProcess() {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', `
    require('./test/support/postgres').startTestPostgres()
      .then((s) => { console.log(s.dir); setInterval(() => undefined, 60_000); })
      .catch((e) => { console.error(e); process.exit(1); });
  `], { cwd: path.join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fixture process exited with ${code}`)));
  });
  return { child, dir };
}

let server: TestPostgres | undefined;
afterAll(async () => server?.stop());

test('a killed test process leaves a directory and a running server that the next sweep removes, and no live owner\'s', async () => {
  const [orphan, live] = await Promise.all([startInChildProcess(), startTestPostgres()]);
  server = live;
  const exited = new Promise((resolve) => orphan.child.once('exit', resolve));
  orphan.child.kill('SIGKILL');
  await exited;
  const processes = serverProcesses(postmasterPid(orphan.dir));
  // Precondition: the killed process' server outlives it (pg_ctl detaches it), with its directory.
  expect(processes.length).toBeGreaterThan(1);
  expect(processes.every(alive)).toBe(true);
  expect(fs.existsSync(orphan.dir)).toBe(true);

  const swept = sweepStaleTestPostgres();

  expect(swept).toContain(orphan.dir);
  expect(swept).not.toContain(live.dir);
  expect(fs.existsSync(orphan.dir)).toBe(false);
  expect(await waitUntil(() => !processes.some(alive))).toBe(true);
  // This process' server is untouched.
  const admin = await connectAsAdmin(live);
  await expect(admin.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
  await admin.end();
});

test('a directory from before owners were recorded is swept only when its postmaster is dead', () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid; // exited and reaped: a PID nobody has
  const killed = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-test-'));
  fs.mkdirSync(path.join(killed, 'data'));
  fs.writeFileSync(path.join(killed, 'data', 'postmaster.pid'), `${dead}\n${path.join(killed, 'data')}\n`);
  const initialising = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-test-')); // no postmaster yet: maybe another run's initdb
  try {
    const swept = sweepStaleTestPostgres();
    expect(swept).toContain(killed);
    expect(swept).not.toContain(initialising);
    expect(fs.existsSync(initialising)).toBe(true);
  } finally {
    fs.rmSync(killed, { recursive: true, force: true });
    fs.rmSync(initialising, { recursive: true, force: true });
  }
});

test('a server killed mid-suite: stop() still removes its directory and leaves no process', async () => {
  const live = server!;
  const admin = await connectAsAdmin(live);
  const processes = serverProcesses(postmasterPid(live.dir));
  expect(processes.length).toBeGreaterThan(1);
  if (process.getuid?.() === 0) {
    // PostgreSQL refuses root: as root the fixture runs it as an unprivileged user.
    expect(fs.statSync(path.join(live.dir, 'data')).uid).not.toBe(0);
  }
  const lost = new Promise((resolve) => admin.on('error', resolve)); // pg may report the loss more than once
  process.kill(processes[0], 'SIGKILL');
  // Its backend notices the postmaster's death and exits, dropping this connection.
  expect(await lost).toBeInstanceOf(Error);

  await live.stop();
  server = undefined;

  expect(fs.existsSync(live.dir)).toBe(false);
  expect(await waitUntil(() => !processes.some(alive))).toBe(true);
});
