import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';

/**
 * Network faults between a client and the real test PostgreSQL, on loopback.
 *
 * `startPgRelay` is a TLS-terminating relay, as an RDS Proxy is: clients see a certificate for
 * 127.0.0.1 signed by the relay's own CA (not the server's), the relay opens its own verified TLS
 * connection to the server, and forwards the plaintext protocol both ways. Seeing the plaintext lets
 * it lose exactly the reply of a committed INSERT. Wire format from the PostgreSQL docs, "Frontend/
 * Backend Protocol": SSLRequest is an Int32 length 8 and the code 80877103, answered by one byte 'S';
 * after start-up every backend message is a type byte and an Int32 length that counts itself;
 * CommandComplete ('C') carries the tag ("INSERT 0 1"), ReadyForQuery ('Z') ends every query cycle.
 */
export interface PgRelay {
  readonly host: string;
  readonly port: number;
  /** PEM of the CA that signed the relay's certificate (and not the server's). */
  readonly ca: string;
  /** Path of that PEM file. */
  readonly caFile: string;
  /** Client connections accepted so far. */
  readonly accepted: number;
  /** CommandComplete messages with an INSERT tag the server sent so far (each INSERT that ran). */
  readonly inserts: number;
  /**
   * The replies of the next `count` INSERTs are lost: the relay withholds the server's
   * CommandComplete and waits for its ReadyForQuery (by then the server has committed, in the
   * simple and the extended protocol), then closes both sides without forwarding either.
   */
  loseInsertReplies(count?: number): void;
  /** Closes every open client connection now, as a failover or NAT timeout would. */
  closeConnections(): void;
  /** Open connections stop forwarding in both directions, as a silently dead network does. */
  stallConnections(): void;
  /** While on, new connections are accepted and never answered (a target gone behind a NAT or proxy). */
  setOutage(on: boolean): void;
  close(): Promise<void>;
}

const SSL_REQUEST_CODE = 80877103;

/** One client connection: its socket (TLS once upgraded) and the relay's own connection to the server. */
interface Session { client: net.Socket; upstream?: tls.TLSSocket; stalled: boolean }

/** A self-signed CA and a certificate for 127.0.0.1 it signed, in a fresh directory. */
export function makeTestCa(name: string): { dir: string; caFile: string; ca: string; key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  const file = (f: string) => path.join(dir, f);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', file('ca.key'), '-out', file('ca.crt'));
  fs.writeFileSync(file('ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('leaf.key'), '-out', file('leaf.csr'));
  openssl('x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-days', '2', '-extfile', file('ext'), '-out', file('leaf.crt'));
  const read = (f: string) => fs.readFileSync(file(f), 'utf-8');
  return { dir, caFile: file('ca.crt'), ca: read('ca.crt'), key: read('leaf.key'), cert: read('leaf.crt') };
}

/** Reads exactly n bytes from a socket that is not yet flowing. */
function readBytes(socket: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < n) return;
      socket.off('data', onData);
      socket.off('error', reject);
      socket.pause();
      if (got.length > n) socket.unshift(got.subarray(n));
      resolve(got.subarray(0, n));
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/** TLS to the real server, as any client: SSLRequest, 'S', then a verified handshake. */
async function connectUpstream(target: { host: string; port: number; ca: string }): Promise<tls.TLSSocket> {
  const raw = net.connect(target.port, target.host);
  await new Promise<void>((resolve, reject) => raw.once('connect', resolve).once('error', reject));
  const request = Buffer.alloc(8);
  request.writeInt32BE(8, 0);
  request.writeInt32BE(SSL_REQUEST_CODE, 4);
  raw.write(request);
  if ((await readBytes(raw, 1)).toString() !== 'S') throw new Error('the server refused TLS');
  const upstream = tls.connect({ socket: raw, host: target.host, ca: target.ca, rejectUnauthorized: true });
  await new Promise<void>((resolve, reject) => upstream.once('secureConnect', resolve).once('error', reject));
  return upstream;
}

export async function startPgRelay(target: { host: string; port: number; ca: string }): Promise<PgRelay> {
  const identity = makeTestCa('relay-ca');
  const sessions = new Set<Session>();
  let accepted = 0;
  let inserts = 0;
  let toLose = 0;
  let outage = false;

  const server = net.createServer((socket) => {
    accepted++;
    const session: Session = { client: socket, stalled: false };
    sessions.add(session);
    const closeBoth = () => {
      sessions.delete(session);
      session.client.destroy();
      session.upstream?.destroy();
    };
    socket.on('error', closeBoth).on('close', closeBoth);
    if (outage) return;
    void (async () => {
      const request = await readBytes(socket, 8);
      if (request.readInt32BE(4) !== SSL_REQUEST_CODE) throw new Error('expected an SSLRequest');
      socket.write('S');
      const client = new tls.TLSSocket(socket, { isServer: true, key: identity.key, cert: identity.cert });
      session.client = client;
      const upstream = await connectUpstream(target);
      session.upstream = upstream;
      client.on('error', closeBoth).on('close', closeBoth);
      upstream.on('error', closeBoth).on('close', closeBoth);
      // Attached only now: what the client sent meanwhile (its start-up message) waits in the stream.
      client.on('data', (chunk: Buffer) => { if (!session.stalled) upstream.write(chunk); });

      let pending = Buffer.alloc(0);
      let losing = false;
      upstream.on('data', (chunk: Buffer) => {
        if (session.stalled) return;
        pending = Buffer.concat([pending, chunk]);
        const forward: Buffer[] = [];
        while (pending.length >= 5 && pending.length >= 1 + pending.readInt32BE(1)) {
          const length = pending.readInt32BE(1);
          const type = String.fromCharCode(pending[0]);
          const message = pending.subarray(0, 1 + length);
          pending = pending.subarray(1 + length);
          if (type === 'C' && message.toString('utf-8', 5, message.length - 1).startsWith('INSERT')) {
            inserts++;
            if (!losing && toLose > 0) {
              losing = true;
              toLose--;
            }
          }
          if (losing && type === 'Z') {
            closeBoth();
            return;
          }
          if (!losing) forward.push(message);
        }
        if (forward.length > 0) client.write(Buffer.concat(forward));
      });
    })().catch(closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const closeConnections = () => { for (const s of [...sessions]) { s.client.destroy(); s.upstream?.destroy(); } };

  return {
    host: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    ca: identity.ca,
    caFile: identity.caFile,
    get accepted() { return accepted; },
    get inserts() { return inserts; },
    loseInsertReplies(count = 1) { toLose = count; },
    closeConnections,
    stallConnections() { for (const s of sessions) s.stalled = true; },
    setOutage(on: boolean) { outage = on; },
    async close() {
      closeConnections();
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(identity.dir, { recursive: true, force: true });
    },
  };
}

/** An endpoint that accepts TCP connections and never answers (a stalled proxy, a dead target behind a NAT). */
export async function startBlackhole(): Promise<{ port: number; readonly accepted: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined).on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() { return accepted; },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
