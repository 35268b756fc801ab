import { randomUUID } from 'crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'http';
import { AddressInfo } from 'net';

/**
 * A loopback HTTP server speaking the two Lambda REST APIs the probe uses, Invoke and
 * GetProvisionedConcurrencyConfig, with Lambda's execution-environment model: an invocation reuses an
 * idle environment of its qualifier or initializes a new one (a cold start, with `Init Duration` in its
 * REPORT line); provisioned environments are initialized in advance; a qualifier with a concurrency
 * limit answers 429 TooManyRequestsException when all its environments are busy.
 */
export interface FakeQualifier {
  /** Time the handler takes. */
  readonly durationMs: number;
  /** Extra time of a cold start (reported as Init Duration). */
  readonly initMs: number;
  /** Environments initialized ahead of time (provisioned concurrency). */
  readonly provisioned?: number;
  /** Concurrency limit: requests beyond it are throttled. */
  readonly maxConcurrency?: number;
  /** Answer without a log tail (as some Lambda-compatible endpoints do). */
  readonly noLogTail?: boolean;
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
}

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const PROVISIONED = /^\/2019-09-30\/functions\/([^/]+)\/provisioned-concurrency$/;

export async function startFakeLambda(functionName: string, qualifiers: Record<string, FakeQualifier>): Promise<FakeLambda> {
  const states = new Map<string, QualifierState>(Object.entries(qualifiers).map(
    ([q, spec]) => [q, { spec, idle: spec.provisioned ?? 0, busy: 0 }]));
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
        RequestedProvisionedConcurrentExecutions: state.spec.provisioned,
        AllocatedProvisionedConcurrentExecutions: state.spec.provisioned,
        AvailableProvisionedConcurrentExecutions: state.spec.provisioned,
        Status: 'READY',
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
    const report = `REPORT RequestId: ${requestId}\tDuration: ${state.spec.durationMs.toFixed(2)} ms\t`
      + `Billed Duration: ${Math.ceil(state.spec.durationMs)} ms\tMemory Size: 128 MB\tMax Memory Used: ${cold ? 71 : 72} MB\t`
      + (cold ? `Init Duration: ${state.spec.initMs.toFixed(2)} ms\t` : '');
    const log = `START RequestId: ${requestId} Version: ${qualifier}\n`
      + (fail ? `${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"boom"}\n` : '')
      + `END RequestId: ${requestId}\n${report}\n`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amz-executed-version': qualifier,
      'x-amzn-requestid': requestId,
    };
    if (received.logType === 'Tail' && !state.spec.noLogTail) {
      headers['x-amz-log-result'] = Buffer.from(log).toString('base64');
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
