import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  InvokeCommandInput,
  InvokeCommandOutput,
  LambdaClient,
  ProvisionedConcurrencyConfigNotFoundException,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { runCaptured } from './support/in-process';

const lambda = mockClient(LambdaClient);

function probe(args: string[], options: { interrupt?: AbortSignal; tty?: boolean } = {}) {
  return runCaptured(['probe', ...args], options);
}

async function probeJson(args: string[]) {
  const result = await probe([...args, '--json']);
  return { ...result, report: JSON.parse(result.stdout) };
}

const tail = (cold: boolean, durationMs = 5) => Buffer.from(
  'START RequestId: r Version: 1\nEND RequestId: r\n'
  + `REPORT RequestId: r\tDuration: ${durationMs} ms\tBilled Duration: ${Math.ceil(durationMs)} ms\tMemory Size: 256 MB\t`
  + `Max Memory Used: ${cold ? 80 : 82} MB\t${cold ? 'Init Duration: 210.5 ms\t' : ''}\n`).toString('base64');

const ok = (cold = false): Partial<InvokeCommandOutput> => ({ StatusCode: 200, LogResult: tail(cold), Payload: new TextEncoder().encode('{"ok":true}') as never });

type Handler = (input: InvokeCommandInput, n: number) => Promise<Partial<InvokeCommandOutput>> | Partial<InvokeCommandOutput>;

/** Scripts the function: DryRun always succeeds; each qualifier's n-th request (from 0) is answered by its handler. */
function script(handlers: Record<string, Handler>) {
  const counts = new Map<string, number>();
  lambda.on(InvokeCommand).callsFake(async (input: InvokeCommandInput) => {
    const handler = handlers[input.Qualifier ?? '$LATEST'];
    if (handler === undefined) {
      throw new ResourceNotFoundException({ message: `Function not found: ${input.FunctionName}:${input.Qualifier}`, $metadata: {} });
    }
    if (input.InvocationType === 'DryRun') {
      return { StatusCode: 204 };
    }
    const n = counts.get(input.Qualifier!) ?? 0;
    counts.set(input.Qualifier!, n + 1);
    return handler(input, n);
  });
}

const invocations = () => lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input)
  .filter((i) => i.InvocationType === 'RequestResponse');

/** Runs `fn` with these environment variables set (undefined: unset), then restores them. */
async function withEnv<T>(changes: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(changes).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => Object.entries(values).forEach(([k, v]) => {
    if (v === undefined) {
      delete process.env[k];
    } else {
      process.env[k] = v;
    }
  });
  apply(changes);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

/** An error as the SDK raises it for a code it has no class for (Lambda's AccessDeniedException). */
const accessDenied = (message: string) => Object.assign(new Error(message), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });

const BASE = ['orders', '--region', 'us-east-1', '--concurrency', '4', '--requests', '20'];

beforeEach(() => {
  lambda.reset();
  lambda.on(GetProvisionedConcurrencyConfigCommand).rejects(
    new ProvisionedConcurrencyConfigNotFoundException({ message: 'No Provisioned Concurrency Config found for this function', $metadata: {} }));
  lambda.on(GetProvisionedConcurrencyConfigCommand, { Qualifier: 'live' }).resolves({
    RequestedProvisionedConcurrentExecutions: 4,
    AllocatedProvisionedConcurrentExecutions: 4,
    AvailableProvisionedConcurrentExecutions: 4,
    Status: 'READY',
  });
});

describe('a side-by-side run', () => {
  test('counts cold starts exactly from the REPORT lines, per qualifier, with provisioned concurrency', async () => {
    script({ live: () => ok(false), 3: (_, n) => ok(n < 4) });
    const { status, report } = await probeJson([...BASE, '-q', 'live', '-q', '3']);
    expect(status).toBe(0);
    const [live, three] = report.qualifiers;
    expect(live).toMatchObject({
      qualifier: 'live',
      requests: 20,
      succeeded: 20,
      coldStarts: 0,
      withoutReportLine: 0,
      provisionedConcurrency: { status: 'READY', requested: 4, allocated: 4, available: 4 },
    });
    expect(live.initDurationMs).toBeUndefined();
    expect(three).toMatchObject({
      qualifier: '3',
      requests: 20,
      succeeded: 20,
      coldStarts: 4,
      provisionedConcurrency: { status: 'none' },
      initDurationMs: { count: 4, p50: 210.5 },
      durationMs: { p50: 5 },
      billedDurationMs: { p50: 5 },
      maxMemoryUsedMb: 82,
      memorySizeMb: 256,
    });
    expect(report).toMatchObject({ functionName: 'orders', region: 'us-east-1', concurrency: 4, requestsPerQualifier: 20, interrupted: false, passed: true });
  });

  test('sends synchronous invocations asking for the log tail, with the payload given', async () => {
    script({ live: () => ok() });
    await probe([...BASE, '-q', 'live', '--payload', '{"orderId":"o-1"}']);
    const sent = invocations();
    expect(sent).toHaveLength(20);
    for (const input of sent) {
      expect(input).toMatchObject({ FunctionName: 'orders', Qualifier: 'live', InvocationType: 'RequestResponse', LogType: 'Tail' });
      expect(new TextDecoder().decode(input.Payload as Uint8Array)).toBe('{"orderId":"o-1"}');
    }
    // the dry run that checked the qualifier exists ran the function zero times
    expect(lambda.commandCalls(InvokeCommand, { InvocationType: 'DryRun' })).toHaveLength(1);
  });

  test('reads the payload from a file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'probe-')), 'event.json');
    writeFileSync(file, '{"from":"file"}');
    script({ live: () => ok() });
    await probe([...BASE, '-q', 'live', '--payload-file', file]);
    expect(new TextDecoder().decode(invocations()[0].Payload as Uint8Array)).toBe('{"from":"file"}');
  });

  test('probes $LATEST when no qualifier is given, and takes one from the name', async () => {
    script({ $LATEST: () => ok(), live: () => ok() });
    const latest = await probeJson(BASE);
    expect(latest.report.qualifiers.map((q: { qualifier: string }) => q.qualifier)).toEqual(['$LATEST']);
    expect(latest.report.qualifiers[0].provisionedConcurrency).toEqual({ status: 'none' });
    // $LATEST cannot have provisioned concurrency, so it is not asked for
    expect(lambda.commandCalls(GetProvisionedConcurrencyConfigCommand)).toHaveLength(0);
    const named = await probeJson(['orders:live', ...BASE.slice(1)]);
    expect(named.report.qualifiers[0].qualifier).toBe('live');
  });

  test('runs for a duration instead of a request count', async () => {
    script({
      live: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return ok();
      },
    });
    const { status, report } = await probeJson(['orders', '--region', 'us-east-1', '-q', 'live', '-c', '2', '--duration', '1s']);
    expect(status).toBe(0);
    expect(report.durationMs).toBe(1000);
    expect(report.requestsPerQualifier).toBeUndefined();
    expect(report.qualifiers[0].requests).toBeGreaterThan(2);
    expect(report.elapsedMs).toBeGreaterThanOrEqual(1000);
    // JSON figures are rounded to the microsecond
    expect(report.qualifiers[0].latencyMs.p50).toBeGreaterThanOrEqual(19);
    expect(JSON.stringify(report.qualifiers[0].latencyMs)).not.toMatch(/\.\d{4,}/);
  });

  test('takes the region from a function ARN', async () => {
    script({ live: () => ok() });
    const { report } = await probeJson(['arn:aws:lambda:eu-west-1:123456789012:function:orders:live', '-n', '2']);
    expect(report.region).toBe('eu-west-1');
    expect(invocations()[0].FunctionName).toBe('arn:aws:lambda:eu-west-1:123456789012:function:orders');
  });

  test('takes the region from the --profile in the shared config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probe-'));
    writeFileSync(join(dir, 'config'), '[profile probe-test]\nregion = ap-southeast-2\n');
    script({ live: () => ok() });
    const { report } = await withEnv({ AWS_CONFIG_FILE: join(dir, 'config'), AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
      () => probeJson(['orders', '-q', 'live', '-n', '2', '--profile', 'probe-test']));
    expect(report.region).toBe('ap-southeast-2');
  });
});

describe('failures are reported per request without stopping the run', () => {
  const throttled = () => new TooManyRequestsException({
    message: 'Rate Exceeded.', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', $metadata: { httpStatusCode: 429 },
  });

  test('throttles', async () => {
    script({
      live: (_, n) => {
        if (n % 4 === 0) {
          throw throttled();
        }
        return ok();
      },
    });
    const { status, report } = await probeJson([...BASE, '-q', 'live']);
    expect(status).toBe(0);
    expect(report.qualifiers[0]).toMatchObject({ requests: 20, succeeded: 15, throttles: 5, errors: 0, errorRate: 0.25 });
    expect(report.qualifiers[0].topErrors).toEqual([{
      code: 'TooManyRequestsException', message: 'Rate Exceeded. (ReservedFunctionConcurrentInvocationLimitExceeded)', count: 5,
    }]);
    // latency is measured over the requests the function answered
    expect(report.qualifiers[0].latencyMs.count).toBe(15);
  });

  test('function errors (X-Amz-Function-Error) keep their errorType and message', async () => {
    script({
      live: (_, n) => (n < 3
        ? { StatusCode: 200, FunctionError: 'Unhandled', LogResult: tail(false), Payload: new TextEncoder().encode('{"errorType":"TypeError","errorMessage":"x is undefined"}') as never }
        : ok()),
    });
    const { report } = await probeJson([...BASE, '-q', 'live']);
    expect(report.qualifiers[0]).toMatchObject({ succeeded: 17, functionErrors: 3, errorRate: 0.15 });
    expect(report.qualifiers[0].topErrors).toEqual([{ code: 'TypeError', message: 'x is undefined', count: 3 }]);
    // the function ran: its latency and REPORT line count
    expect(report.qualifiers[0].latencyMs.count).toBe(20);
    expect(report.qualifiers[0].durationMs.count).toBe(20);
  });

  test('a function error without a JSON payload is named after the header', async () => {
    script({ live: () => ({ StatusCode: 200, FunctionError: 'Unhandled', LogResult: tail(false) }) });
    const { report } = await probeJson([...BASE, '-q', 'live', '-n', '2']);
    expect(report.qualifiers[0].topErrors).toEqual([{ code: 'Unhandled', message: 'FunctionError: Unhandled', count: 2 }]);
  });

  test('service and network errors, most frequent first', async () => {
    script({
      live: (_, n) => {
        if (n < 6) {
          throw new ServiceException({ message: 'internal', $metadata: { httpStatusCode: 500 } });
        }
        if (n < 8) {
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        return ok();
      },
    });
    const { stdout, status } = await probe([...BASE, '-q', 'live']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/Other errors\s+8\n/);
    expect(stdout).toMatch(/Errors of live:\n {2}6 x ServiceException: internal\n {2}2 x Error: socket hang up\n/);
  });
});

describe('thresholds decide the exit status', () => {
  test('--max-cold-starts 0 passes on the provisioned alias and fails on the plain version', async () => {
    script({ live: () => ok(false), 3: (_, n) => ok(n < 4) });
    const { status, stdout } = await probe([...BASE, '-q', 'live', '-q', '3', '--max-cold-starts', '0']);
    expect(status).toBe(1);
    expect(stdout).toContain('PASS  live  --max-cold-starts: 0 <= 0');
    expect(stdout).toContain('FAIL  3     --max-cold-starts: 4 > 0');
    expect(stdout).toContain('1 of 2 thresholds broken.');
  });

  test('--max-p99 compares the measured p99 latency', async () => {
    script({
      live: async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return ok();
      },
    });
    const slow = await probeJson([...BASE, '-q', 'live', '--max-p99', '10ms']);
    expect(slow.status).toBe(1);
    expect(slow.report.thresholds[0]).toMatchObject({ qualifier: 'live', option: '--max-p99', limit: 10, passed: false });
    expect(slow.report.thresholds[0].actual).toBeGreaterThanOrEqual(29);
    expect(slow.report.passed).toBe(false);
    const fine = await probeJson([...BASE, '-q', 'live', '--max-p99', '5s', '--max-p50', '5s', '--max-p90', '5s']);
    expect(fine.status).toBe(0);
    expect(fine.report.thresholds.map((t: { option: string }) => t.option)).toEqual(['--max-p50', '--max-p90', '--max-p99']);
  });

  test('--max-error-rate and --max-throttles', async () => {
    // 2 throttles in 20 requests: a 10% error rate
    const twoThrottled = (args: string[]) => {
      script({
        live: (_, n) => {
          if (n < 2) {
            throw new TooManyRequestsException({ message: 'Rate Exceeded.', $metadata: {} });
          }
          return ok();
        },
      });
      return probe([...BASE, '-q', 'live', ...args]);
    };
    expect((await twoThrottled(['--max-error-rate', '10%'])).status).toBe(0);
    expect((await twoThrottled(['--max-error-rate', '0.05'])).status).toBe(1);
    expect((await twoThrottled(['--max-throttles', '2'])).status).toBe(0);
    const broken = await twoThrottled(['--max-throttles', '1']);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain('FAIL  live  --max-throttles: 2 > 1');
  });

  test('cold starts that cannot be counted (no REPORT line) fail --max-cold-starts rather than pass on a guess', async () => {
    script({ live: () => ({ StatusCode: 200 }) });
    const { status, stdout } = await probe([...BASE, '-q', 'live', '--max-cold-starts', '0']);
    expect(status).toBe(1);
    expect(stdout).toMatch(/Cold starts\s+0 \(\+20 unknown\)/);
    expect(stdout).toContain('FAIL  live  --max-cold-starts: cold starts not countable: 20 responses had no REPORT line');
  });

  test('--max-cold-starts fails when no request was answered (all throttled): zero cold starts of nothing proves nothing', async () => {
    script({
      live: () => {
        throw new TooManyRequestsException({ message: 'Rate Exceeded.', $metadata: {} });
      },
    });
    const { status, report } = await probeJson([...BASE, '-q', 'live', '--max-cold-starts', '0']);
    expect(status).toBe(1);
    expect(report.qualifiers[0].throttles).toBe(20);
    expect(report.thresholds[0]).toMatchObject({ option: '--max-cold-starts', passed: false, detail: 'cold starts not countable: no request was answered; limit 0' });
  });

  test('a latency threshold fails when no request was answered', async () => {
    script({
      live: () => {
        throw accessDenied('not authorized');
      },
    });
    const { status, report } = await probeJson([...BASE, '-q', 'live', '--max-p99', '1s']);
    expect(status).toBe(1);
    expect(report.qualifiers[0].latencyMs).toBeUndefined();
    expect(report.thresholds[0].detail).toMatch(/no request was answered/);
  });
});

describe('bad input gets a clear message, a usage hint and exit status 2, before any request', () => {
  test.each([
    [['orders', '--concurrency', 'ten'], /--concurrency must be an integer between 1 and 1000, got "ten"/],
    [['orders', '--requests', '0'], /--requests must be an integer between 1 and 100000, got "0"/],
    [['orders', '--qualifier', 'a:b'], /--qualifier must be a version number, \$LATEST or an alias name/],
    [['orders', '--max-p99', '200'], /--max-p99 must be a duration with a unit such as 200ms/],
    [['orders', '--max-error-rate', '3'], /--max-error-rate must be a fraction between 0 and 1/],
    [['orders', '--requests', '5', '--duration', '5s'], /--requests and --duration cannot be used together/],
    [['orders', '--payload', '{}', '--payload-file', 'x.json'], /--payload and --payload-file cannot be used together/],
    [['orders', '--payload', '{oops'], /--payload must be valid JSON/],
    [['orders', '--payload-file', '/nonexistent/event.json'], /--payload-file \/nonexistent\/event.json cannot be read/],
    [['orders:live', '-q', '3'], /already has the qualifier live/],
    [['orders', '-q', 'live,live'], /--qualifier live is given twice/],
    [['arn:aws:lambda:eu-west-1:123456789012:function:orders', '--region', 'us-east-1'], /differs from the region of the function ARN, eu-west-1/],
    [['orders', '--endpoint-url', 'ftp://x'], /--endpoint-url must be an http\(s\) URL/],
    [['orders', '--frobnicate'], /unknown option '--frobnicate'/],
    [[], /missing required argument 'function'/],
  ])('%j', async (args, message) => {
    const { status, stderr, stdout } = await probe(args);
    expect(status).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('(run "cdk-serverless-patterns probe --help" for usage)');
    expect(stdout).toBe('');
    expect(lambda.calls()).toHaveLength(0);
  });

  test('an unknown function or qualifier is caught by a dry run, not by a report full of errors', async () => {
    script({ live: () => ok() });
    const { status, stderr } = await probe([...BASE, '-q', 'live', '-q', 'blue']);
    expect(status).toBe(2);
    expect(stderr).toMatch(/function orders with qualifier blue was not found \(Function not found: orders:blue\); check the name, --qualifier and --region/);
    expect(invocations()).toHaveLength(0);
  });

  test('a missing permission stops the probe before it starts', async () => {
    lambda.on(InvokeCommand).rejects(accessDenied('User is not authorized to perform: lambda:InvokeFunction'));
    const { status, stderr } = await probe([...BASE, '-q', 'live']);
    expect(status).toBe(2);
    expect(stderr).toMatch(/cannot invoke orders:live: AccessDeniedException: User is not authorized/);
  });

  test('no region anywhere', async () => {
    const { status, stderr } = await withEnv(
      { AWS_CONFIG_FILE: '/nonexistent/config', AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_PROFILE: undefined },
      () => probe(['orders']));
    expect(status).toBe(2);
    expect(stderr).toMatch(/no AWS region: pass --region, set AWS_REGION, or set a region in your profile/);
  });

  test('with --json, every exit-2 failure still writes a JSON error object to stdout', async () => {
    const usage = await probe(['orders', '--concurrency', 'ten', '--json']);
    expect(usage.status).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({
      passed: false, exitCode: 2, error: { kind: 'usage', message: '--concurrency must be an integer between 1 and 1000, got "ten"' },
    });
    // errors commander finds, before any option is read
    const unknown = await probe(['orders', '--frobnicate', '--json']);
    expect(unknown.status).toBe(2);
    expect(JSON.parse(unknown.stdout).error).toEqual({ kind: 'usage', message: "unknown option '--frobnicate'" });
    const missing = await probe(['--json']);
    expect(JSON.parse(missing.stdout).error).toEqual({ kind: 'usage', message: "missing required argument 'function'" });
    // setup errors
    lambda.on(InvokeCommand).rejects(accessDenied('User is not authorized to perform: lambda:InvokeFunction'));
    const setup = await probe([...BASE, '-q', 'live', '--json']);
    expect(setup.status).toBe(2);
    expect(JSON.parse(setup.stdout)).toMatchObject({ passed: false, exitCode: 2, error: { kind: 'setup', message: expect.stringMatching(/^cannot invoke orders:live: AccessDeniedException/) } });
    // the human message stays on stderr; a `--json` after `--` is not the option
    expect(setup.stderr).toMatch(/cannot invoke orders:live/);
    expect((await probe(['orders', '--concurrency', 'ten', '--', '--json'])).stdout).toBe('');
  });

  test('a --profile (or AWS_PROFILE) that does not exist is named as such', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probe-'));
    writeFileSync(join(dir, 'config'), '[profile probe-test]\nregion = ap-southeast-2\n');
    writeFileSync(join(dir, 'credentials'), '[probe-creds]\naws_access_key_id = AKID\naws_secret_access_key = s\n');
    script({ live: () => ok() });
    const env = { AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_PROFILE: undefined };
    const flag = await withEnv(env, () => probe(['orders', '-q', 'live', '-n', '2', '--profile', 'probe-tset']));
    expect(flag.status).toBe(2);
    expect(flag.stderr).toBe(`error: --profile probe-tset: no such profile in ${join(dir, 'config')} or ${join(dir, 'credentials')}\n`);
    const fromEnv = await withEnv({ ...env, AWS_PROFILE: 'nope' }, () => probe(['orders', '--region', 'us-east-1', '-q', 'live', '-n', '2']));
    expect(fromEnv.status).toBe(2);
    expect(fromEnv.stderr).toMatch(/^error: AWS_PROFILE nope: no such profile in /);
    expect(lambda.calls()).toHaveLength(0);
    // a profile of either file is found
    expect((await withEnv(env, () => probe(['orders', '-q', 'live', '-n', '2', '--profile', 'probe-creds', '--region', 'us-east-1']))).status).toBe(0);
    expect((await withEnv(env, () => probe(['orders', '-q', 'live', '-n', '2', '--profile', 'probe-test']))).status).toBe(0);
  });

  test('--help lists the options and exits 0', async () => {
    const { status, stdout } = await probe(['--help']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/Usage: cdk-serverless-patterns probe \[options\] <function>/);
    for (const option of ['--qualifier', '--concurrency', '--requests', '--duration', '--endpoint-url', '--profile', '--json', '--max-cold-starts', '--max-p99', '--max-error-rate']) {
      expect(stdout).toContain(option);
    }
    // numeric defaults read as numbers, not as quoted strings
    // (commander wraps the help at 80 columns)
    expect(stdout.replace(/\s+/g, ' ')).toContain('-c, --concurrency <n> requests in flight at once, per qualifier (1-1000; default: 10)');
    expect(stdout).not.toMatch(/default: "/);
  });
});

describe('provisioned concurrency status', () => {
  test('in progress, and unknown when it cannot be read (the run goes on)', async () => {
    lambda.on(GetProvisionedConcurrencyConfigCommand, { Qualifier: 'live' }).resolves({
      RequestedProvisionedConcurrentExecutions: 10, AllocatedProvisionedConcurrentExecutions: 3, AvailableProvisionedConcurrentExecutions: 3, Status: 'IN_PROGRESS',
    });
    lambda.on(GetProvisionedConcurrencyConfigCommand, { Qualifier: 'canary' }).rejects(
      accessDenied('not authorized to perform lambda:GetProvisionedConcurrencyConfig'));
    script({ live: () => ok(), canary: () => ok() });
    // (without --wait-ready 0s the probe would first wait for IN_PROGRESS to end: probe-binary.test.ts)
    const { stdout, status } = await probe([...BASE, '-q', 'live,canary', '--wait-ready', '0s']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/Provisioned concurrency\s+IN_PROGRESS\s+unknown\n/);
    expect(stdout).toMatch(/requested\/allocated\/available\s+10\/3\/3\s+-\n/);
    const json = await probeJson([...BASE, '-q', 'canary']);
    expect(json.report.qualifiers[0].provisionedConcurrency).toEqual({
      status: 'unknown', reason: 'AccessDeniedException: not authorized to perform lambda:GetProvisionedConcurrencyConfig',
    });
  });
});

describe('output', () => {
  test('the table puts qualifiers side by side', async () => {
    script({ live: () => ok(false), 3: (_, n) => ok(n < 4) });
    const { stdout } = await probe([...BASE, '-q', 'live', '-q', '3']);
    expect(stdout).toMatch(/^Latency probe of orders \(us-east-1\): 20 requests per qualifier, concurrency 4, took \d+\.\d s\n/);
    expect(stdout).toMatch(/\n {2,}live +3\n/);
    expect(stdout).toMatch(/\nCold starts +0 +4\n/);
    expect(stdout).toMatch(/\nInit duration p50 +- +210\.5 ms\n/);
    expect(stdout).toMatch(/\nMax memory used +82\/256 MB +82\/256 MB\n/);
  });

  test('a progress bar on a terminal (stderr), none otherwise', async () => {
    script({ live: () => ok() });
    const tty = await probe([...BASE, '-q', 'live'], { tty: true });
    expect(tty.stderr).toMatch(/probing \[.*\] \d+\/20 requests/);
    const notTty = await probe([...BASE, '-q', 'live']);
    expect(notTty.stderr).toBe('');
    const disabled = await probe([...BASE, '-q', 'live', '--no-progress'], { tty: true });
    expect(disabled.stderr).toBe('');
  });

  test('in duration mode the progress bar counts seconds', async () => {
    script({
      live: async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return ok();
      },
    });
    const { stderr } = await probe(['orders', '--region', 'us-east-1', '-q', 'live', '-c', '1', '-d', '2s'], { tty: true });
    expect(stderr).toMatch(/probing \[.*\] [0-2]\/2 s \| \d+ done, 0 failed, 0 cold starts/);
  });
});

describe('Ctrl-C', () => {
  test('stops issuing requests, prints the partial report and exits 130', async () => {
    const interrupt = new AbortController();
    script({
      live: async (_, n) => {
        if (n === 10) {
          interrupt.abort();
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
        return ok();
      },
    });
    const { status, report } = await (async () => {
      const result = await probe([...BASE, '-q', 'live', '--requests', '1000', '--json'], { interrupt: interrupt.signal });
      return { ...result, report: JSON.parse(result.stdout) };
    })();
    expect(status).toBe(130);
    expect(report.interrupted).toBe(true);
    // the 4 workers each finish the request they had in flight: 11 to 14 requests, all answered
    expect(report.qualifiers[0].requests).toBeGreaterThanOrEqual(11);
    expect(report.qualifiers[0].requests).toBeLessThanOrEqual(14);
    expect(report.qualifiers[0].succeeded).toBe(report.qualifiers[0].requests);
  });

  test('the table says the report is partial', async () => {
    const interrupt = new AbortController();
    interrupt.abort();
    script({ live: () => ok() });
    const { status, stdout } = await probe([...BASE, '-q', 'live'], { interrupt: interrupt.signal });
    expect(status).toBe(130);
    expect(stdout).toContain('Interrupted: this is a partial report of the requests completed so far.');
  });
});
