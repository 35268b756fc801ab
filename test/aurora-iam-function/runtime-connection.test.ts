import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import { promisify } from 'util';
import { Signer } from '@aws-sdk/rds-signer';
import { Client } from 'pg';
import {
  DatabaseConnectError, IamDatabaseConnection, IamDatabaseConnectionOptions, OutcomeUnknownError, StatementTimeoutError,
} from '../../src/aurora-iam-function/runtime';
import { PgRelay, makeTestCa, startBlackhole, startPgRelay } from '../support/pg-relay';
import { TestPostgres, connectAsAdmin, startTestPostgres } from '../support/postgres';

const execFileAsync = promisify(execFile);

/**
 * The handler-side helper against a real PostgreSQL 17 server with TLS required and SCRAM
 * passwords. The IAM token is made the role's password at the moment it is signed: the server
 * accepts exactly that string and nothing else, so a successful login proves the helper sent the
 * token as the password. (Aurora checks the token's signature instead; the wire is the same.)
 */
const USER = 'app_user';
const CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

let server: TestPostgres;
let admin: Client;
const open: IamDatabaseConnection[] = [];

/** A real rds-signer Signer whose every new token becomes the user's password on the server. */
class PasswordSettingSigner {
  readonly tokens: string[] = [];
  private readonly signer: Signer;
  constructor() {
    this.signer = new Signer({ hostname: server.host, port: server.port, username: USER, region: 'us-east-1', credentials: CREDENTIALS });
  }
  async getAuthToken(): Promise<string> {
    const token = await this.signer.getAuthToken();
    await admin.query(`ALTER ROLE ${USER} PASSWORD ${admin.escapeLiteral(token)}`);
    this.tokens.push(token);
    return token;
  }
}

function connection(options: IamDatabaseConnectionOptions): IamDatabaseConnection {
  const db = new IamDatabaseConnection({
    host: server.host, port: server.port, database: 'postgres', user: USER, region: 'us-east-1', ca: server.ca, ...options,
  });
  open.push(db);
  return db;
}

async function backendPid(db: IamDatabaseConnection): Promise<number> {
  return (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
}

/** Kills a backend as an operator would, and waits until the server has let it go. */
async function terminate(pid: number): Promise<void> {
  await admin.query('SELECT pg_terminate_backend($1, 5000)', [pid]);
}

/**
 * Lets the client see the server's FATAL message and close, as a frozen Lambda sees it on thaw. The
 * setImmediate runs after an I/O poll that follows the delay, so a process descheduled past the
 * timer (a loaded machine) still reads the close first.
 */
const settle = () => new Promise((resolve) => setTimeout(() => setImmediate(resolve), 100));

beforeAll(async () => {
  server = await startTestPostgres();
  admin = await connectAsAdmin(server);
  await admin.query(`CREATE ROLE ${USER} LOGIN`);
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.end().catch(() => undefined)));
});

afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

describe('IamDatabaseConnection against PostgreSQL 17', () => {
  test('logs in with the IAM token as the password, over TLS', async () => {
    const signer = new PasswordSettingSigner();
    const db = connection({ signer });
    const { rows } = await db.query(
      'SELECT current_user AS "user", s.ssl FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()');
    expect(rows).toEqual([{ user: USER, ssl: true }]);
    expect(signer.tokens).toHaveLength(1);
    // A real SigV4 presigned token, for this host, port and user.
    expect(signer.tokens[0]).toMatch(new RegExp(
      `^127\\.0\\.0\\.1:${server.port}/\\?Action=connect&DBUser=${USER}&X-Amz-Algorithm=AWS4-HMAC-SHA256&.*X-Amz-Expires=900&.*X-Amz-Signature=[0-9a-f]{64}`));
  });

  test('a refused token names the endpoint, the user, rds_iam and rds-db:connect', async () => {
    // This server refuses a wrong password (SCRAM) as PostgreSQL does: SQLSTATE 28P01 invalid_password,
    // "password authentication failed for user". Aurora refuses a token with "PAM authentication failed
    // for user" (AWS knowledge center, "aurora-postgresql-connect-iam"), which PostgreSQL's auth_failed()
    // (src/backend/libpq/auth.c) raises as 28000 invalid_authorization_specification; the helper treats
    // both codes alike (the 28000 case on Aurora is inferred from that source, not run here).
    await new PasswordSettingSigner().getAuthToken();
    const db = connection({ signer: { getAuthToken: async () => 'not-the-signed-token' } });
    const error = await db.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseConnectError);
    expect(error).toMatchObject({ code: '28P01', cause: { code: '28P01' } });
    expect((error as Error).message).toBe(
      `IamDatabaseConnection: 127.0.0.1:${server.port} refused the IAM token of user "${USER}" ` +
      `(password authentication failed for user "${USER}"): the user must be a member of rds_iam (GRANT rds_iam TO "${USER}") ` +
      `and the function's role needs rds-db:connect on dbuser:<cluster or proxy resource id>/${USER}`);
  });

  test('refuses a server whose certificate does not chain to the given CA', async () => {
    const db = connection({ signer: new PasswordSettingSigner(), ca: server.otherCa });
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  test('without a CA it verifies against the trust store, which does not hold the test CA', async () => {
    const db = connection({ signer: new PasswordSettingSigner(), ca: undefined });
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  test('takes the CA from the file named by DB_SSL_CA_FILE', async () => {
    process.env.DB_SSL_CA_FILE = server.caFile;
    try {
      const db = connection({ signer: new PasswordSettingSigner(), ca: undefined });
      expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      delete process.env.DB_SSL_CA_FILE;
    }
  });

  test('reuses one connection and one token across calls', async () => {
    const signer = new PasswordSettingSigner();
    const db = connection({ signer });
    const pids = [await backendPid(db), await backendPid(db), await backendPid(db)];
    expect(new Set(pids).size).toBe(1);
    expect(signer.tokens).toHaveLength(1);
  });

  test('reconnects with the cached token after the server kills the backend', async () => {
    let now = 1_000_000;
    const signer = new PasswordSettingSigner();
    const db = connection({ signer, clock: () => now });
    const first = await backendPid(db);
    await terminate(first);
    await settle();
    now += 5 * 60_000;
    const second = await backendPid(db);
    expect(second).not.toBe(first);
    expect(signer.tokens).toHaveLength(1);
  });

  test('signs a fresh token for a new connection once the cached one is 10 minutes old', async () => {
    let now = 1_000_000;
    const signer = new PasswordSettingSigner();
    const db = connection({ signer, clock: () => now });
    const first = await backendPid(db);
    now += 10 * 60_000;
    // The open connection stays valid: a token is only checked at login.
    expect(await backendPid(db)).toBe(first);
    expect(signer.tokens).toHaveLength(1);
    await terminate(first);
    await settle();
    expect(await backendPid(db)).not.toBe(first);
    expect(signer.tokens).toHaveLength(2);
  });

  test('signs a fresh token when the server refuses the cached one', async () => {
    const signer = new PasswordSettingSigner();
    const db = connection({ signer });
    const first = await backendPid(db);
    await admin.query(`ALTER ROLE ${USER} PASSWORD 'rotated-elsewhere'`);
    await terminate(first);
    await settle();
    expect(await backendPid(db)).not.toBe(first);
    expect(signer.tokens).toHaveLength(2);
  });

  test('retries an idempotent statement once when the connection is killed while it runs', async () => {
    const db = connection({ signer: new PasswordSettingSigner() });
    const first = await backendPid(db);
    const running = db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(1)', [], { idempotent: true });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await terminate(first);
    const { rows } = await running;
    expect(rows[0].pid).not.toBe(first);
  });

  test('a statement lost in flight is not retried: outcome unknown, and the next call reconnects', async () => {
    const db = connection({ signer: new PasswordSettingSigner() });
    const first = await backendPid(db);
    const running = db.query('SELECT pg_sleep(1)');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await terminate(first);
    await expect(running).rejects.toMatchObject({
      code: 'OUTCOME_UNKNOWN', message: expect.stringMatching(/outcome unknown.*may or may not have run/), cause: { code: '57P01' },
    });
    expect(await backendPid(db)).not.toBe(first);
  });

  test('concurrent first calls share one connection', async () => {
    const signer = new PasswordSettingSigner();
    const db = connection({ signer });
    const pids = await Promise.all([backendPid(db), backendPid(db), backendPid(db)]);
    expect(new Set(pids).size).toBe(1);
    expect(signer.tokens).toHaveLength(1);
  });
});

describe('IamDatabaseConnection configuration', () => {
  const saved = { ...process.env };
  afterEach(() => { process.env = { ...saved }; });

  test('reads host, port, database and user from the environment AuroraIamFunction sets', async () => {
    Object.assign(process.env, { DB_HOST: server.host, DB_PORT: String(server.port), DB_NAME: 'postgres', DB_USER: USER });
    const db = new IamDatabaseConnection({ signer: new PasswordSettingSigner(), ca: server.ca });
    open.push(db);
    expect((await db.query('SELECT current_user AS u, current_database() AS d')).rows).toEqual([{ u: USER, d: 'postgres' }]);
  });

  test('names the missing setting', () => {
    delete process.env.DB_HOST;
    expect(() => new IamDatabaseConnection({ database: 'd', user: 'u' })).toThrow(
      'IamDatabaseConnection: host (DB_HOST) is not set: pass the option or set the variable (AuroraIamFunction sets it on the functions it defines)');
  });

  test.each(['abc', '0', '65536'])('DB_PORT=%s is an error naming DB_PORT and the value', (port) => {
    process.env.DB_PORT = port;
    expect(() => new IamDatabaseConnection({ host: 'h', database: 'd', user: 'u', region: 'us-east-1' }))
      .toThrow(`port (DB_PORT) must be an integer between 1 and 65535, got "${port}"`);
  });

  test('a missing AWS_REGION is named when the default signer needs it', () => {
    delete process.env.AWS_REGION;
    expect(() => new IamDatabaseConnection({ host: 'h', database: 'd', user: 'u' })).toThrow(
      'IamDatabaseConnection: region (AWS_REGION) is not set: pass the option or set the variable (Lambda sets it; outside Lambda, pass region or a signer)');
  });

  test.each([0, 15 * 60_000])('rejects tokenRefreshAfterMs %d', (ms) => {
    expect(() => new IamDatabaseConnection({ host: 'h', database: 'd', user: 'u', tokenRefreshAfterMs: ms }))
      .toThrow(new RegExp(`tokenRefreshAfterMs must be between 1 and 899999, got ${ms}`));
  });
});

/** Rows of the test table, read by the admin (not through the connection under test). */
async function events(): Promise<string[]> {
  return (await admin.query<{ id: string }>('SELECT id FROM events ORDER BY id')).rows.map((r) => r.id);
}

describe('IamDatabaseConnection through a TLS-terminating loopback relay: lost replies, dead connections', () => {
  let relay: PgRelay;
  const viaRelay = (options: IamDatabaseConnectionOptions = {}) =>
    connection({ host: relay.host, port: relay.port, ca: relay.ca, signer: new PasswordSettingSigner(), ...options });

  beforeAll(async () => { relay = await startPgRelay(server); });
  afterAll(async () => { await relay?.close(); });
  beforeEach(async () => {
    await admin.query(`DROP TABLE IF EXISTS events; CREATE TABLE events (id text PRIMARY KEY); GRANT ALL ON events TO ${USER}`);
  });

  test('an INSERT committed but whose reply is lost is not sent again: one row, and an outcome-unknown error', async () => {
    const db = viaRelay();
    await db.query('SELECT 1');
    const before = { accepted: relay.accepted, inserts: relay.inserts };
    relay.loseInsertReplies();
    const error = await db.query('INSERT INTO events VALUES ($1)', ['a']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as Error).message).toMatch(new RegExp(
      `^IamDatabaseConnection: outcome unknown for a statement to 127\\.0\\.0\\.1:${relay.port}: the connection was lost after ` +
      'the statement was sent \\(Connection terminated unexpectedly\\); the server may or may not have run it\\. ' +
      'It was not retried: pass \\{ idempotent: true \\}'));
    expect(await events()).toEqual(['a']);
    expect(relay.inserts).toBe(before.inserts + 1);
    expect(relay.accepted).toBe(before.accepted);
    // The next call opens a new connection.
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(relay.accepted).toBe(before.accepted + 1);
  });

  test('an idempotent statement whose reply is lost is sent again on a new connection', async () => {
    const db = viaRelay();
    await db.query('SELECT 1');
    const before = { accepted: relay.accepted, inserts: relay.inserts };
    relay.loseInsertReplies();
    const result = await db.query('INSERT INTO events VALUES ($1) ON CONFLICT DO NOTHING', ['a'], { idempotent: true });
    // The second run found the first one's committed row: the reply is the retry's.
    expect(result.rowCount).toBe(0);
    expect(relay.inserts).toBe(before.inserts + 2);
    expect(relay.accepted).toBe(before.accepted + 1);
    expect(await events()).toEqual(['a']);
  });

  test('an idempotent statement is retried once only, and not at all with retryOnConnectionError false', async () => {
    const retried = viaRelay();
    await retried.query('SELECT 1');
    const before = relay.inserts;
    relay.loseInsertReplies(2);
    await expect(retried.query('INSERT INTO events VALUES ($1) ON CONFLICT DO NOTHING', ['a'], { idempotent: true }))
      .rejects.toThrow(/^IamDatabaseConnection: outcome unknown .* It was retried once already\.$/);
    expect(relay.inserts).toBe(before + 2);

    const notRetried = viaRelay({ retryOnConnectionError: false });
    await notRetried.query('SELECT 1');
    relay.loseInsertReplies(1);
    await expect(notRetried.query('INSERT INTO events VALUES ($1) ON CONFLICT DO NOTHING', ['b'], { idempotent: true }))
      .rejects.toThrow(/^IamDatabaseConnection: outcome unknown .* It was not retried: retryOnConnectionError is false\.$/);
    expect(relay.inserts).toBe(before + 3);
    expect(await events()).toEqual(['a', 'b']);
  });

  test('a connection found closed before sending is replaced and the statement is sent once', async () => {
    const db = viaRelay();
    await db.query('SELECT 1');
    const before = { accepted: relay.accepted, inserts: relay.inserts };
    relay.closeConnections();
    await settle();
    const result = await db.query('INSERT INTO events VALUES ($1)', ['b']);
    expect(result.rowCount).toBe(1);
    expect(relay.inserts).toBe(before.inserts + 1);
    expect(relay.accepted).toBe(before.accepted + 1);
    expect(await events()).toEqual(['b']);
  });

  test('a silently dead connection fails after statementTimeoutMillis + 2 s, not at the function timeout', async () => {
    const db = viaRelay({ statementTimeoutMillis: 500 });
    await db.query('SELECT 1');
    relay.stallConnections();
    const start = Date.now();
    const error = await db.query('SELECT 1').catch((e: unknown) => e);
    const elapsed = Date.now() - start;
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as Error).message).toContain('no reply within 2500 ms (statementTimeoutMillis + 2 s)');
    // Bounded: 2.5 s expected; the margin is for a loaded machine, far below a 30 s function.
    expect(elapsed).toBeLessThan(10_000);
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  test('calls queued behind a connection that dies share the next connect attempt, not one timeout each', async () => {
    const db = viaRelay({ connectionTimeoutMillis: 1000 });
    await db.query('SELECT 1');
    const before = relay.accepted;
    const start = Date.now();
    const calls = Array.from({ length: 8 }, (_, i) =>
      db.query(i === 0 ? 'SELECT pg_sleep(0.3)' : 'SELECT 1').then(() => undefined, (error: unknown) => ({ error, ms: Date.now() - start })));
    relay.setOutage(true);
    try {
      relay.closeConnections();
      const [first, ...queued] = await Promise.all(calls);
      expect(first?.error).toBeInstanceOf(OutcomeUnknownError);
      const errors = new Set(queued.map((o) => o?.error));
      expect(errors.size).toBe(1);
      expect([...errors][0]).toBeInstanceOf(DatabaseConnectError);
      expect(relay.accepted).toBe(before + 1);
      // One connect timeout (1 s) for the seven; one after another they would take 7 s.
      expect(Math.max(...queued.map((o) => o!.ms))).toBeLessThan(4000);
    } finally {
      relay.setOutage(false);
    }
  });
});

/**
 * Milliseconds until the next keepalive probe of the client socket with local port `port`, as the
 * kernel reports it (`ss -o`; iproute2 prints the timer as `[Nmin][N(sec|.)][NNNms]`, misc/ss.c
 * print_ms_timer), or undefined when the socket has no keepalive timer.
 */
function keepaliveTimerMs(port: number): number | undefined {
  const out = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf-8' });
  const m = /timer:\(keepalive,(?:(\d+)min)?(?:(\d+)(?:sec|\.))?(?:(\d+)ms)?,/.exec(out);
  return m ? Number(m[1] ?? 0) * 60_000 + Number(m[2] ?? 0) * 1000 + Number(m[3] ?? 0) : undefined;
}

async function clientPort(db: IamDatabaseConnection): Promise<number> {
  return (await db.query<{ port: number }>('SELECT client_port AS port FROM pg_stat_activity WHERE pid = pg_backend_pid()')).rows[0].port;
}

describe('IamDatabaseConnection failure bounds', () => {
  test('8 overlapping calls during an outage share one connect attempt and fail after about one connect timeout', async () => {
    const blackhole = await startBlackhole();
    try {
      const db = connection({ port: blackhole.port, connectionTimeoutMillis: 1000, signer: { getAuthToken: async () => 'unused' } });
      const start = Date.now();
      const outcomes = await Promise.all(Array.from({ length: 8 }, () =>
        db.query('SELECT 1').then(() => ({ error: undefined, ms: Date.now() - start }), (error: unknown) => ({ error, ms: Date.now() - start }))));
      const errors = new Set(outcomes.map((o) => o.error));
      expect(errors.size).toBe(1);
      const [error] = errors;
      expect(error).toBeInstanceOf(DatabaseConnectError);
      expect((error as Error).message).toBe(
        `IamDatabaseConnection: no connection to 127.0.0.1:${blackhole.port} within connectionTimeoutMillis (1000 ms): ` +
        'check that the function runs in the database VPC and that the database security group admits it on this port');
      expect(error).toMatchObject({ cause: { message: 'timeout expired' } });
      expect(blackhole.accepted).toBe(1);
      // One timeout (1 s) for all; one after another they would take 8 s. Wide margin for a loaded machine.
      expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(4000);
      // The failure is not remembered: the next call tries again.
      await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseConnectError);
      expect(blackhole.accepted).toBe(2);
    } finally {
      await blackhole.close();
    }
  });

  test('the connection has a 15 s statement_timeout by default', async () => {
    const db = connection({ signer: new PasswordSettingSigner() });
    expect((await db.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '15s' }]);
  });

  test('a statement that outlives statementTimeoutMillis is cancelled with an error naming the setting', async () => {
    const db = connection({ signer: new PasswordSettingSigner(), statementTimeoutMillis: 1000 });
    const pid = await backendPid(db);
    const error = await db.query('SELECT pg_sleep(10)').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StatementTimeoutError);
    expect(error).toMatchObject({ code: '57014', cause: { code: '57014', message: 'canceling statement due to statement timeout' } });
    expect((error as Error).message).toBe(
      `IamDatabaseConnection: 127.0.0.1:${server.port} cancelled a statement that ran longer than statement_timeout ` +
      '(statementTimeoutMillis, 1000 ms unless the session changed it): raise statementTimeoutMillis, ' +
      'or SET LOCAL statement_timeout inside a transaction for one long statement');
    // Only the statement was cancelled: the connection is kept.
    expect(await backendPid(db)).toBe(pid);
  });

  test.each([
    [undefined, 10_000],
    [3000, 3000],
  ])('TCP keepalive is on, with keepAliveInitialDelayMillis %s (%d ms)', async (keepAliveInitialDelayMillis, delay) => {
    const db = connection({ signer: new PasswordSettingSigner(), keepAliveInitialDelayMillis });
    const timer = keepaliveTimerMs(await clientPort(db));
    expect(timer).toBeGreaterThan(0);
    // Without it the kernel default is 2 hours (net.ipv4.tcp_keepalive_time 7200).
    expect(timer).toBeLessThanOrEqual(delay);
  });
});

/**
 * One CA setting must reach both a cluster (certificate signed by the CA given as `ca`, the RDS
 * bundle) and an RDS Proxy (certificate chaining to a CA in Node's trust store, Amazon's public
 * roots). The relay stands in for the proxy: it terminates TLS with its own CA, which the child
 * process trusts only through NODE_EXTRA_CA_CERTS, as Lambda's runtime loads the Amazon bundle.
 */
describe('IamDatabaseConnection trust: a CA that adds to the trust store', () => {
  const PASSWORD = 'trust-test-password';
  let relay: PgRelay;
  let neither: ReturnType<typeof makeTestCa>;

  beforeAll(async () => {
    relay = await startPgRelay(server);
    neither = makeTestCa('neither-ca');
    await admin.query(`ALTER ROLE ${USER} PASSWORD '${PASSWORD}'`);
  });
  afterAll(async () => {
    await relay?.close();
    fs.rmSync(neither.dir, { recursive: true, force: true });
  });

  interface Attempt { port: number; ca?: string; caFile?: string }
  /** Connects in a fresh Node.js process with the given NODE_EXTRA_CA_CERTS: each attempt's rows or error code. */
  async function inChild(extraCaFile: string, attempts: Attempt[]): Promise<unknown[]> {
    const script = `
      const { IamDatabaseConnection } = require(${JSON.stringify(require.resolve('../../src/aurora-iam-function/runtime'))});
      (async () => {
        const results = [];
        for (const a of JSON.parse(process.env.ATTEMPTS)) {
          if (a.caFile) process.env.DB_SSL_CA_FILE = a.caFile; else delete process.env.DB_SSL_CA_FILE;
          const db = new IamDatabaseConnection({ host: '127.0.0.1', port: a.port, database: 'postgres', user: ${JSON.stringify(USER)},
            ca: a.ca, signer: { getAuthToken: async () => ${JSON.stringify(PASSWORD)} } });
          results.push(await db.query('SELECT 1 AS one').then((r) => r.rows, (e) => e.code ?? e.message));
          await db.end();
        }
        console.log(JSON.stringify(results));
      })();`;
    const { stdout } = await execFileAsync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: extraCaFile, TS_NODE_PROJECT: 'test/tsconfig.json', ATTEMPTS: JSON.stringify(attempts) },
    });
    return JSON.parse(stdout);
  }

  test('the relay is trusted only through the trust store: with ca alone it is refused', async () => {
    const db = connection({ host: relay.host, port: relay.port, ca: server.ca, signer: { getAuthToken: async () => PASSWORD } });
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  test('with ca (or DB_SSL_CA_FILE) naming the cluster CA, both the cluster and the proxy connect with verify-full', async () => {
    const ok = [{ one: 1 }];
    expect(await inChild(relay.caFile, [
      { port: server.port, ca: server.ca }, // direct: signed by the given CA
      { port: relay.port, ca: server.ca }, // proxy: signed by a CA only in the trust store
      { port: server.port, caFile: server.caFile },
      { port: relay.port, caFile: server.caFile },
    ])).toEqual([ok, ok, ok, ok]);
  });

  test('a server signed by neither the given CA nor the trust store is refused', async () => {
    expect(await inChild(neither.caFile, [
      { port: server.port, ca: server.otherCa },
      { port: relay.port, ca: server.otherCa },
    ])).toEqual(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
  });
});
