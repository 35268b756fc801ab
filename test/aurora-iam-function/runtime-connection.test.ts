import { Signer } from '@aws-sdk/rds-signer';
import { Client } from 'pg';
import { IamDatabaseConnection, IamDatabaseConnectionOptions } from '../../src/aurora-iam-function/runtime';
import { TestPostgres, connectAsAdmin, startTestPostgres } from '../support/postgres';

/**
 * The handler-side helper against a real PostgreSQL 15 server with TLS required and SCRAM
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

/** Lets the client see the server's FATAL message and close, as a frozen Lambda sees it on thaw. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

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

describe('IamDatabaseConnection against PostgreSQL 15', () => {
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

  test('a token that is not the password is refused by the server', async () => {
    await new PasswordSettingSigner().getAuthToken();
    const db = connection({ signer: { getAuthToken: async () => 'not-the-signed-token' } });
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: '28P01' });
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
    expect(() => new IamDatabaseConnection({ database: 'd', user: 'u' })).toThrow(/host \(DB_HOST\) is not set/);
  });

  test.each(['abc', '0', '65536'])('DB_PORT=%s is an error naming DB_PORT and the value', (port) => {
    process.env.DB_PORT = port;
    expect(() => new IamDatabaseConnection({ host: 'h', database: 'd', user: 'u', region: 'us-east-1' }))
      .toThrow(`port (DB_PORT) must be an integer between 1 and 65535, got "${port}"`);
  });

  test('a missing AWS_REGION is named when the default signer needs it', () => {
    delete process.env.AWS_REGION;
    expect(() => new IamDatabaseConnection({ host: 'h', database: 'd', user: 'u' })).toThrow(/region \(AWS_REGION\) is not set/);
  });

  test.each([0, 15 * 60_000])('rejects tokenRefreshAfterMs %d', (ms) => {
    expect(() => new IamDatabaseConnection({ host: 'h', database: 'd', user: 'u', tokenRefreshAfterMs: ms }))
      .toThrow(new RegExp(`tokenRefreshAfterMs must be between 1 and 899999, got ${ms}`));
  });
});
