// pg and @aws-sdk/rds-signer are dependencies of the user's function bundle, which imports this
// module: the library itself never loads it, so they are not (and must not be) its dependencies.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Signer } from '@aws-sdk/rds-signer';
// eslint-disable-next-line import/no-extraneous-dependencies
import { Client, QueryResult, QueryResultRow } from 'pg';
import { verifyingTlsOptions } from './tls';

/** Something that produces an IAM authentication token (an `@aws-sdk/rds-signer` `Signer`). */
export interface AuthTokenSigner {
  getAuthToken(): Promise<string>;
}

/** Options of {@link IamDatabaseConnection}; each defaults to what AuroraIamFunction sets. */
export interface IamDatabaseConnectionOptions {
  /** @default process.env.DB_HOST */
  readonly host?: string;
  /** @default Number(process.env.DB_PORT), else 5432 */
  readonly port?: number;
  /** @default process.env.DB_NAME */
  readonly database?: string;
  /** @default process.env.DB_USER */
  readonly user?: string;
  /** @default process.env.AWS_REGION (set by Lambda) */
  readonly region?: string;
  /**
   * PEM of the CA(s) the server certificate must chain to.
   * @default the file named by DB_SSL_CA_FILE, else Node's trust store (which holds the RDS CAs
   * when NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem, as AuroraIamFunction sets)
   */
  readonly ca?: string | Buffer;
  /**
   * Age after which a cached token is replaced. Tokens are valid 15 minutes; refreshing well
   * before leaves room for clock skew and slow connects. Must be below 15 minutes.
   * @default 10 minutes
   */
  readonly tokenRefreshAfterMs?: number;
  /** @default a `Signer` from `@aws-sdk/rds-signer` for host, port, user and region */
  readonly signer?: AuthTokenSigner;
  /** Milliseconds since the epoch, for the token's age. @default Date.now */
  readonly clock?: () => number;
  /** @default 5000 */
  readonly connectionTimeoutMillis?: number;
  /**
   * Run a query once more on a fresh connection when it failed because the connection was gone
   * (dropped while the function was frozen, server restart, failover). Turn it off for
   * statements that must never run twice: a connection lost after the server committed but
   * before the reply arrived would then repeat it.
   * @default true
   */
  readonly retryOnConnectionError?: boolean;
}

const TOKEN_LIFETIME_MS = 15 * 60_000;
const DEFAULT_REFRESH_AFTER_MS = 10 * 60_000;

/** pg error codes and messages that mean the connection, not the statement, failed. */
const CONNECTION_ERROR_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', '57P01', '57P02', '57P03']);
const CONNECTION_ERROR_MESSAGES = /Connection terminated|not queryable|Client was closed/;
/** invalid_authorization_specification, invalid_password: an expired or rejected token. */
const AUTH_ERROR_CODES = new Set(['28000', '28P01']);

function isConnectionError(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return (code !== undefined && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08')))
    || CONNECTION_ERROR_MESSAGES.test(message ?? '');
}

function isAuthError(error: unknown): boolean {
  return AUTH_ERROR_CODES.has((error as { code?: string }).code ?? '');
}

function required(name: string, value: string | undefined): string {
  if (!value) throw new Error(`IamDatabaseConnection: ${name} is not set (option or environment variable)`);
  return value;
}

/**
 * One PostgreSQL connection authenticated with an IAM token, meant to live outside the handler so
 * warm invocations reuse it:
 *
 * - the token is signed locally (no network call) and cached until `tokenRefreshAfterMs`;
 * - TLS always verifies the server certificate and host name;
 * - a connection that drops (or was closed while the function was frozen) is replaced on the next
 *   call, with the cached token or, if the server rejects it, a fresh one.
 *
 * ```ts
 * const db = new IamDatabaseConnection();
 * export const handler = async () => (await db.query('SELECT now()')).rows[0];
 * ```
 */
export class IamDatabaseConnection {
  private readonly host: string;
  private readonly port: number;
  private readonly database: string;
  private readonly user: string;
  private readonly signer: AuthTokenSigner;
  private readonly clock: () => number;
  private readonly refreshAfterMs: number;
  private readonly ca?: string | Buffer;
  private readonly connectionTimeoutMillis: number;
  private readonly retryOnConnectionError: boolean;
  private token?: { value: string; signedAt: number };
  private current?: Client;
  private connecting?: Promise<Client>;
  /** Statements run one after another: pg 9 will refuse a query while another is running. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: IamDatabaseConnectionOptions = {}) {
    this.host = required('host (DB_HOST)', options.host ?? process.env.DB_HOST);
    this.port = options.port ?? (process.env.DB_PORT ? Number(process.env.DB_PORT) : 5432);
    this.database = required('database (DB_NAME)', options.database ?? process.env.DB_NAME);
    this.user = required('user (DB_USER)', options.user ?? process.env.DB_USER);
    this.refreshAfterMs = options.tokenRefreshAfterMs ?? DEFAULT_REFRESH_AFTER_MS;
    if (!(this.refreshAfterMs > 0 && this.refreshAfterMs < TOKEN_LIFETIME_MS)) {
      throw new Error(`tokenRefreshAfterMs must be between 1 and ${TOKEN_LIFETIME_MS - 1}, got ${this.refreshAfterMs}`);
    }
    this.signer = options.signer ?? new Signer({
      hostname: this.host,
      port: this.port,
      username: this.user,
      region: options.region ?? process.env.AWS_REGION,
    });
    this.clock = options.clock ?? Date.now;
    this.ca = options.ca;
    this.connectionTimeoutMillis = options.connectionTimeoutMillis ?? 5000;
    this.retryOnConnectionError = options.retryOnConnectionError ?? true;
  }

  /** Runs one statement on the shared connection (see `retryOnConnectionError`). */
  async query<R extends QueryResultRow = any>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    const result = this.tail.then(() => this.run<R>(text, values));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async run<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    const client = await this.client();
    try {
      return await client.query<R>(text, values);
    } catch (error) {
      if (!this.retryOnConnectionError || !isConnectionError(error)) throw error;
      this.discard(client);
      return (await this.client()).query<R>(text, values);
    }
  }

  /**
   * The connected client, for transactions or cursors. Do not `end()` it: call `end()` on this
   * object instead.
   */
  async client(): Promise<Client> {
    if (this.current) return this.current;
    this.connecting ??= this.connect().finally(() => { this.connecting = undefined; });
    return this.connecting;
  }

  /** Closes the connection; the next call opens a new one. */
  async end(): Promise<void> {
    const client = this.current;
    this.current = undefined;
    await client?.end();
  }

  private async authToken(): Promise<string> {
    if (!this.token || this.clock() - this.token.signedAt >= this.refreshAfterMs) {
      const signedAt = this.clock();
      this.token = { value: await this.signer.getAuthToken(), signedAt };
    }
    return this.token.value;
  }

  private async connect(): Promise<Client> {
    try {
      return await this.open(await this.authToken());
    } catch (error) {
      if (!isAuthError(error)) throw error;
      // The cached token may have been refused (expired credentials, clock skew): sign anew, once.
      this.token = undefined;
      return this.open(await this.authToken());
    }
  }

  private async open(password: string): Promise<Client> {
    const client = new Client({
      host: this.host,
      port: this.port,
      database: this.database,
      user: this.user,
      password,
      ssl: verifyingTlsOptions(this.ca),
      connectionTimeoutMillis: this.connectionTimeoutMillis,
    });
    // An idle connection killed by the server emits 'error' then 'end': forget it, and the next
    // call reconnects (without a listener, 'error' would crash the process).
    client.on('error', () => this.discard(client));
    client.on('end', () => this.discard(client));
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.current = client;
    return client;
  }

  private discard(client: Client): void {
    if (this.current !== client) return;
    this.current = undefined;
    client.end().catch(() => undefined);
  }
}
