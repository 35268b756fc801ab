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
  /** An integer 1-65535. @default process.env.DB_PORT, else 5432 */
  readonly port?: number;
  /** @default process.env.DB_NAME */
  readonly database?: string;
  /** @default process.env.DB_USER */
  readonly user?: string;
  /** Only needed by the default signer. @default process.env.AWS_REGION (set by Lambda) */
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
  /**
   * Bound of one connection attempt (TCP, TLS, login). Calls that overlap one attempt share its
   * outcome, so an outage costs every waiting caller this long once, not once per caller ahead.
   * @default 5000
   */
  readonly connectionTimeoutMillis?: number;
  /**
   * Server-side `statement_timeout` of the connection; a statement running longer is cancelled
   * with SQLSTATE 57014. The client also gives up 2 s later (the server or network may be gone)
   * and closes the connection. Keep connect + statement timeouts below the function's timeout.
   * @default 15000 (with the 5 s connect timeout, below AuroraIamFunction's default 30 s)
   */
  readonly statementTimeoutMillis?: number;
  /**
   * TCP keepalive idle time, so the kernel notices a silently dead connection (failover, NAT
   * timeout) between invocations and the next call reconnects before sending.
   * @default 10000
   */
  readonly keepAliveInitialDelayMillis?: number;
  /**
   * Retry automatically where it is safe: a statement that provably never reached the server
   * (the connection was found closed before sending), or one marked `{ idempotent: true }`.
   * A statement lost in flight otherwise fails with {@link OutcomeUnknownError}, never re-runs.
   * @default true
   */
  readonly retryOnConnectionError?: boolean;
}

/** Per-call options of {@link IamDatabaseConnection.query}. */
export interface QueryOptions {
  /**
   * The statement may run twice (a SELECT, an upsert, an INSERT ... ON CONFLICT DO NOTHING): if
   * the connection is lost after it was sent, it is sent again on a new connection.
   * @default false
   */
  readonly idempotent?: boolean;
}

/**
 * The connection was lost after the statement was sent and before its reply arrived: the server
 * may have run (and committed) it or not. Not retried, because it was not marked idempotent.
 */
export class OutcomeUnknownError extends Error {
  readonly code = 'OUTCOME_UNKNOWN';
  constructor(message: string, readonly cause: unknown) {
    super(message);
    this.name = 'OutcomeUnknownError';
  }
}

/** A connection or login failure, rewritten to say what to check; `code` is pg's, if any. */
export class DatabaseConnectError extends Error {
  readonly code?: string;
  constructor(message: string, readonly cause: unknown) {
    super(message);
    this.name = 'DatabaseConnectError';
    this.code = (cause as { code?: string }).code;
  }
}

/**
 * The server cancelled a statement that ran longer than the connection's `statement_timeout`
 * (`statementTimeoutMillis`). The statement did not complete; the connection stays usable.
 */
export class StatementTimeoutError extends Error {
  readonly code = '57014';
  constructor(message: string, readonly cause: unknown) {
    super(message);
    this.name = 'StatementTimeoutError';
  }
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

/** pg refused before writing anything: the statement provably never reached the server. */
function neverSent(error: unknown): boolean {
  return /not queryable/.test((error as Error).message ?? '');
}

/** query_canceled (57014) for the timeout, not for pg_cancel_backend ("due to user request"). */
function isStatementTimeout(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === '57014' && /statement timeout/.test(message ?? '');
}

function isClientTimeout(error: unknown): boolean {
  return (error as Error).message === 'Query read timeout';
}

/** The socket is still open in both directions (a FIN from the server already processed is not). */
function isOpen(client: Client): boolean {
  const stream = (client as unknown as { connection?: { stream?: { readyState?: string; destroyed?: boolean } } }).connection?.stream;
  return stream?.destroyed !== true && (stream?.readyState === undefined || stream.readyState === 'open');
}

function isAuthError(error: unknown): boolean {
  return AUTH_ERROR_CODES.has((error as { code?: string }).code ?? '');
}

/** `setBy`: who sets the variable on Lambda, i.e. what is missing when it is not set. */
function required(name: string, value: string | undefined, setBy = 'AuroraIamFunction sets it on the functions it defines'): string {
  if (!value) throw new Error(`IamDatabaseConnection: ${name} is not set: pass the option or set the variable (${setBy})`);
  return value;
}

/** DB_PORT=abc must not become 5432 while the token is signed for port NaN. */
function portOf(option: number | undefined, env: string | undefined): number {
  const given = option ?? (env === undefined || env === '' ? 5432 : Number(env));
  if (!Number.isInteger(given) || given < 1 || given > 65535) {
    const source = option !== undefined ? 'port' : 'port (DB_PORT)';
    throw new Error(`IamDatabaseConnection: ${source} must be an integer between 1 and 65535, got ${JSON.stringify(option ?? env)}`);
  }
  return given;
}

/** Grace after the server-side statement timeout before the client stops waiting for a reply. */
const CLIENT_TIMEOUT_GRACE_MS = 2000;

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
  private readonly tls: ReturnType<typeof verifyingTlsOptions>;
  private readonly connectionTimeoutMillis: number;
  private readonly statementTimeoutMillis: number;
  private readonly keepAliveInitialDelayMillis: number;
  private readonly retryOnConnectionError: boolean;
  private token?: { value: string; signedAt: number };
  private current?: Client;
  private connecting?: Promise<Client>;
  /** Calls are numbered, so a failed attempt is shared by every call queued before it began. */
  private calls = 0;
  private failedConnect?: { error: unknown; lastCall: number };
  /** Statements run one after another: pg 9 will refuse a query while another is running. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: IamDatabaseConnectionOptions = {}) {
    this.host = required('host (DB_HOST)', options.host ?? process.env.DB_HOST);
    this.port = portOf(options.port, process.env.DB_PORT);
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
      region: required('region (AWS_REGION)', options.region ?? process.env.AWS_REGION,
        'Lambda sets it; outside Lambda, pass region or a signer'),
    });
    this.clock = options.clock ?? Date.now;
    // Built once: the combined trust list is the same for every connection.
    this.tls = verifyingTlsOptions(options.ca);
    this.connectionTimeoutMillis = options.connectionTimeoutMillis ?? 5000;
    this.statementTimeoutMillis = options.statementTimeoutMillis ?? 15_000;
    this.keepAliveInitialDelayMillis = options.keepAliveInitialDelayMillis ?? 10_000;
    this.retryOnConnectionError = options.retryOnConnectionError ?? true;
  }

  /**
   * Runs one statement on the shared connection. A lost connection is replaced; the statement is
   * sent again only if it never reached the server or `options.idempotent` is set.
   */
  query<R extends QueryResultRow = any>(text: string, values?: unknown[], options: QueryOptions = {}): Promise<QueryResult<R>> {
    const call = ++this.calls;
    const run = () => this.run<R>(call, text, values, options.idempotent ?? false);
    // Join (or start) the connection attempt now, not when the queue reaches this call: callers
    // that overlap one attempt share its outcome instead of each waiting a timeout in turn.
    // (Not async, and no extra hop when connected: a warm call costs what pg's query costs.)
    const connected = this.current ? undefined : this.client();
    connected?.catch(() => undefined);
    const result = this.tail.then(() => (connected ? connected.then(run) : run()));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async run<R extends QueryResultRow>(
    call: number, text: string, values: unknown[] | undefined, idempotent: boolean): Promise<QueryResult<R>> {
    // At most one retry, and the retry gets the same treatment: lost in flight, it is outcome unknown too.
    for (let attempt = 1; ; attempt++) {
      // Queued behind a connection that died, this call waited on the attempt that replaced it: if
      // that failed, so does this call, rather than spend one more connect timeout.
      const failed = this.failedConnect;
      if (!this.current && failed && call <= failed.lastCall) throw failed.error;
      let client = this.current ?? await this.client();
      if (!isOpen(client)) {
        // Found closed before sending (e.g. dropped while the function was frozen): nothing was sent.
        this.discard(client);
        client = await this.client();
      }
      try {
        return await client.query<R>(text, values);
      } catch (error) {
        if (isStatementTimeout(error)) {
          throw new StatementTimeoutError(
            `IamDatabaseConnection: ${this.host}:${this.port} cancelled a statement that ran longer than statement_timeout ` +
            `(statementTimeoutMillis, ${this.statementTimeoutMillis} ms unless the session changed it): raise statementTimeoutMillis, ` +
            'or SET LOCAL statement_timeout inside a transaction for one long statement', error);
        }
        if (!isConnectionError(error) && !isClientTimeout(error)) throw error;
        this.discard(client);
        const mayRetry = this.retryOnConnectionError && attempt === 1;
        if (neverSent(error)) {
          if (mayRetry) continue;
          throw error;
        }
        if (mayRetry && idempotent) continue;
        throw this.outcomeUnknown(error, idempotent);
      }
    }
  }

  private outcomeUnknown(error: unknown, idempotent: boolean): OutcomeUnknownError {
    const why = isClientTimeout(error)
      ? `no reply within ${this.statementTimeoutMillis + CLIENT_TIMEOUT_GRACE_MS} ms (statementTimeoutMillis + 2 s)`
      : `the connection was lost after the statement was sent (${(error as Error).message})`;
    const notRetried = !idempotent
      ? 'It was not retried: pass { idempotent: true } for statements that are safe to repeat.'
      : this.retryOnConnectionError ? 'It was retried once already.' : 'It was not retried: retryOnConnectionError is false.';
    return new OutcomeUnknownError(
      `IamDatabaseConnection: outcome unknown for a statement to ${this.host}:${this.port}: ${why}; ` +
      `the server may or may not have run it. ${notRetried}`, error);
  }

  /**
   * The connected client, for transactions or cursors. Do not `end()` it: call `end()` on this
   * object instead.
   */
  async client(): Promise<Client> {
    if (this.current) return this.current;
    if (!this.connecting) {
      const lastCall = this.calls;
      this.connecting = this.connect().then(
        (client) => { this.failedConnect = undefined; return client; },
        (error: unknown) => { this.failedConnect = { error, lastCall }; throw error; },
      ).finally(() => { this.connecting = undefined; });
    }
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
      try {
        return await this.open(await this.authToken());
      } catch (error) {
        if (!isAuthError(error)) throw error;
        // The cached token may have been refused (expired credentials, clock skew): sign anew, once.
        this.token = undefined;
        return await this.open(await this.authToken());
      }
    } catch (error) {
      throw this.explain(error);
    }
  }

  /** pg's messages name no endpoint or setting: say which, and what to check. */
  private explain(error: unknown): unknown {
    const endpoint = `${this.host}:${this.port}`;
    const message = (error as Error).message ?? String(error);
    if (/timeout expired|connection timeout/.test(message)) {
      return new DatabaseConnectError(
        `IamDatabaseConnection: no connection to ${endpoint} within connectionTimeoutMillis (${this.connectionTimeoutMillis} ms): ` +
        'check that the function runs in the database VPC and that the database security group admits it on this port', error);
    }
    if (isAuthError(error)) {
      return new DatabaseConnectError(
        `IamDatabaseConnection: ${endpoint} refused the IAM token of user "${this.user}" (${message}): the user must be a member of ` +
        `rds_iam (GRANT rds_iam TO "${this.user}") and the function's role needs rds-db:connect on dbuser:<cluster or proxy resource id>/${this.user}`,
        error);
    }
    return error;
  }

  private async open(password: string): Promise<Client> {
    const client = new Client({
      host: this.host,
      port: this.port,
      database: this.database,
      user: this.user,
      password,
      ssl: this.tls,
      connectionTimeoutMillis: this.connectionTimeoutMillis,
      statement_timeout: this.statementTimeoutMillis,
      query_timeout: this.statementTimeoutMillis + CLIENT_TIMEOUT_GRACE_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: this.keepAliveInitialDelayMillis,
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
