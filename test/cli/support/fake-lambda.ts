import { randomUUID } from 'crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'http';
import { AddressInfo } from 'net';

/**
 * A loopback HTTP server speaking the two Lambda REST APIs the probe uses, Invoke and
 * GetProvisionedConcurrencyConfig, with Lambda's execution-environment model: an invocation reuses an
 * idle environment of its qualifier or initializes a new one (a cold start, with `Init Duration` in its
 * REPORT line, or `initDurationMs` in its `platform.report` record with the JSON log format); provisioned environments are initialized in advance; a qualifier with a concurrency
 * limit answers 429 TooManyRequestsException when all its environments are busy.
 */
export interface FakeQualifier {
  /** Time the handler takes. */
  readonly durationMs: number;
  /** Extra time of a cold start (reported as Init Duration). */
  readonly initMs: number;
  /** Environments initialized ahead of time (provisioned concurrency). */
  readonly provisioned?: number;
  /**
   * Time after the server starts until the provisioned environments are allocated: until then
   * GetProvisionedConcurrencyConfig answers `IN_PROGRESS` with none allocated and invocations start
   * cold, as right after a new version is published. @default 0
   */
  readonly allocatingMs?: number;
  /** Concurrency limit: requests beyond it are throttled. */
  readonly maxConcurrency?: number;
  /** Answer without a log tail (as some Lambda-compatible endpoints do). */
  readonly noLogTail?: boolean;
  /** The function's `LoggingConfig.LogFormat`. @default 'Text' */
  readonly logFormat?: 'Text' | 'JSON';
  /** Characters the function logs per invocation (in 100-character lines), to overflow the 4 KB tail. @default 0 */
  readonly outputChars?: number;
}

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly qualifier?: string;
  readonly invocationType?: string;
  readonly logType?: string;
  readonly authorization?: string;
  readonly body: string;
}

export interface FakeLambda {
  readonly endpoint: string;
  readonly requests: ReceivedRequest[];
  /** The most requests of one qualifier that were in flight at once. */
  readonly maxInFlight: Map<string, number>;
  close(): Promise<void>;
}

interface QualifierState {
  readonly spec: FakeQualifier;
  idle: number;
  busy: number;
  allocated: boolean;
}

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const PROVISIONED = /^\/2019-09-30\/functions\/([^/]+)\/provisioned-concurrency$/;

export async function startFakeLambda(functionName: string, qualifiers: Record<string, FakeQualifier>): Promise<FakeLambda> {
  const states = new Map<string, QualifierState>(Object.entries(qualifiers).map(
    ([q, spec]) => [q, { spec, idle: spec.allocatingMs ? 0 : spec.provisioned ?? 0, busy: 0, allocated: !spec.allocatingMs }]));
  for (const state of states.values()) {
    if (state.spec.allocatingMs) {
      setTimeout(() => {
        state.idle += state.spec.provisioned ?? 0;
        state.allocated = true;
      }, state.spec.allocatingMs).unref();
    }
  }
  const requests: ReceivedRequest[] = [];
  const maxInFlight = new Map<string, number>();

  const error = (res: ServerResponse, status: number, type: string, message: string, extra: object = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify({ Type: 'User', message, ...extra }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const name = decodeURIComponent((INVOKE.exec(url.pathname) ?? PROVISIONED.exec(url.pathname) ?? [])[1] ?? '');
    const qualifier = url.searchParams.get('Qualifier') ?? '$LATEST';
    const received: ReceivedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      qualifier: url.searchParams.get('Qualifier') ?? undefined,
      invocationType: req.headers['x-amz-invocation-type'] as string | undefined,
      logType: req.headers['x-amz-log-type'] as string | undefined,
      authorization: req.headers.authorization,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    requests.push(received);
    const state = name === functionName ? states.get(qualifier) : undefined;
    if (state === undefined) {
      return error(res, 404, 'ResourceNotFoundException',
        `Function not found: arn:aws:lambda:us-east-1:123456789012:function:${name}:${qualifier}`);
    }

    if (req.method === 'GET' && PROVISIONED.test(url.pathname)) {
      if (!state.spec.provisioned) {
        return error(res, 404, 'ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({
        // (GetProvisionedConcurrencyConfig's output members, Lambda API reference)
        RequestedProvisionedConcurrentExecutions: state.spec.provisioned,
        AllocatedProvisionedConcurrentExecutions: state.allocated ? state.spec.provisioned : 0,
        AvailableProvisionedConcurrentExecutions: state.allocated ? state.spec.provisioned : 0,
        Status: state.allocated ? 'READY' : 'IN_PROGRESS',
        LastModified: '2026-11-30T12:00:00+0000',
      }));
    }
    if (req.method !== 'POST' || !INVOKE.test(url.pathname)) {
      return error(res, 400, 'InvalidRequestContentException', `unsupported ${req.method} ${url.pathname}`);
    }
    if (received.invocationType === 'DryRun') {
      res.writeHead(204);
      return res.end();
    }
    if (state.spec.maxConcurrency !== undefined && state.busy >= state.spec.maxConcurrency) {
      return error(res, 429, 'TooManyRequestsException', 'Rate Exceeded.', { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
    }

    const cold = state.idle === 0;
    if (!cold) {
      state.idle--;
    }
    state.busy++;
    maxInFlight.set(qualifier, Math.max(maxInFlight.get(qualifier) ?? 0, state.busy));
    const elapsed = state.spec.durationMs + (cold ? state.spec.initMs : 0);
    // unref: a request still held when the server closes must not keep the test process alive
    await new Promise((resolve) => setTimeout(resolve, elapsed).unref());
    state.busy--;
    state.idle++;

    const requestId = randomUUID();
    const fail = received.body.includes('"fail":true');
    const log = (state.spec.logFormat === 'JSON' ? jsonLog : textLog)({ requestId, qualifier, cold, fail, spec: state.spec });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amz-executed-version': qualifier,
      'x-amzn-requestid': requestId,
    };
    if (received.logType === 'Tail' && !state.spec.noLogTail) {
      // "the last 4 KB of the execution log" (Invoke API, LogType), cut on a byte
      headers['x-amz-log-result'] = Buffer.from(log).subarray(-4096).toString('base64');
    }
    if (fail) {
      headers['x-amz-function-error'] = 'Unhandled';
    }
    res.writeHead(200, headers);
    res.end(fail ? JSON.stringify({ errorType: 'Error', errorMessage: 'boom', trace: [] }) : JSON.stringify({ ok: true }));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => error(res, 500, 'ServiceException', String(e)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    maxInFlight,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

interface Invocation {
  readonly requestId: string;
  readonly qualifier: string;
  readonly cold: boolean;
  readonly fail: boolean;
  readonly spec: FakeQualifier;
}

/** The plain-text log of an invocation: START, the function's lines, END and the REPORT line. */
/** The function's own log lines: `outputChars` characters in lines of 100. */
function output(spec: FakeQualifier): string[] {
  const chars = spec.outputChars ?? 0;
  return Array.from({ length: Math.ceil(chars / 100) }, (_, i) => `line ${i} `.padEnd(Math.min(100, chars - i * 100), 'x'));
}

function textLog({ requestId, qualifier, cold, fail, spec }: Invocation): string {
  const report = `REPORT RequestId: ${requestId}\tDuration: ${spec.durationMs.toFixed(2)} ms\t`
    + `Billed Duration: ${Math.ceil(spec.durationMs)} ms\tMemory Size: 128 MB\tMax Memory Used: ${cold ? 71 : 72} MB\t`
    + (cold ? `Init Duration: ${spec.initMs.toFixed(2)} ms\t` : '');
  return `START RequestId: ${requestId} Version: ${qualifier}\n`
    + output(spec).map((message) => `${new Date().toISOString()}\t${requestId}\tINFO\t${message}\n`).join('')
    + (fail ? `${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"boom"}\n` : '')
    + `END RequestId: ${requestId}\n${report}\n`;
}

/**
 * The JSON-format log of an invocation, one record per line: `platform.start`, the function's records,
 * `platform.report`. The record shapes are the Telemetry API's event schema
 * (https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html), which the JSON log
 * format uses for system logs.
 */
function jsonLog({ requestId, qualifier, cold, fail, spec }: Invocation): string {
  const time = () => new Date().toISOString();
  const records: object[] = [{ time: time(), type: 'platform.start', record: { requestId, version: qualifier } }];
  for (const message of output(spec)) {
    records.push({ timestamp: time(), level: 'INFO', requestId, message });
  }
  if (fail) {
    records.push({ timestamp: time(), level: 'ERROR', requestId, message: { errorType: 'Error', errorMessage: 'boom' } });
  }
  records.push({
    time: time(),
    type: 'platform.report',
    record: {
      requestId,
      metrics: {
        durationMs: spec.durationMs,
        billedDurationMs: Math.ceil(spec.durationMs),
        memorySizeMB: 128,
        maxMemoryUsedMB: cold ? 71 : 72,
        ...(cold ? { initDurationMs: spec.initMs } : {}),
      },
      status: fail ? 'error' : 'success',
    },
  });
  return `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
}
