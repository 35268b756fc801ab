/**
 * End to end: the bundled command (assets/cli/probe.js, what the npm `bin` points at) run as a child
 * process against a Lambda-compatible HTTP server on loopback, through --endpoint-url, with static
 * credentials from the environment. Proves the bundle, the SDK wiring (SigV4, REST bindings, headers),
 * the exit statuses and Ctrl-C on a real process.
 */
import { spawn } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { BIN, ROOT, ensureBundle, run } from './support/bin';
import { FakeLambda, startFakeLambda } from './support/fake-lambda';

let lambda: FakeLambda;

beforeAll(async () => {
  ensureBundle();
  lambda = await startFakeLambda('orders', {
    live: { durationMs: 15, initMs: 250, provisioned: 4 },
    7: { durationMs: 15, initMs: 250 },
    capped: { durationMs: 40, initMs: 0, maxConcurrency: 2 },
    slow: { durationMs: 200, initMs: 0 },
    quiet: { durationMs: 5, initMs: 0, noLogTail: true },
    stuck: { durationMs: 60_000, initMs: 0 },
  });
});

afterAll(() => lambda?.close());

const invokes = (qualifier: string) => lambda.requests.filter((r) => r.path.endsWith('/invocations') && r.qualifier === qualifier);

test('the provisioned alias has no cold starts, the plain version one per concurrent environment', async () => {
  const { status, stdout, stderr } = await run(['probe', 'orders', '-q', 'live', '-q', '7', '-c', '4', '-n', '40',
    '--endpoint-url', lambda.endpoint, '--max-cold-starts', '0', '--json']);
  expect(stderr).toBe('');
  expect(status).toBe(1);
  const report = JSON.parse(stdout);
  const [live, seven] = report.qualifiers;
  expect(live).toMatchObject({
    requests: 40,
    succeeded: 40,
    coldStarts: 0,
    provisionedConcurrency: { status: 'READY', requested: 4, allocated: 4, available: 4 },
  });
  expect(seven).toMatchObject({ requests: 40, succeeded: 40, coldStarts: 4, provisionedConcurrency: { status: 'none' } });
  expect(seven.initDurationMs).toMatchObject({ count: 4, p50: 250 });
  // a cold start is felt by the caller: the slowest request of 7 waited for an init, live's never did
  expect(seven.latencyMs.max).toBeGreaterThanOrEqual(265);
  expect(live.latencyMs.p50).toBeGreaterThanOrEqual(15);
  expect(report.thresholds.map((t: { qualifier: string; passed: boolean }) => [t.qualifier, t.passed])).toEqual([['live', true], ['7', false]]);

  // what the server saw: bounded concurrency, signed requests asking for the log tail, a dry run first
  expect(lambda.maxInFlight.get('live')).toBe(4);
  expect(lambda.maxInFlight.get('7')).toBe(4);
  for (const q of ['live', '7']) {
    const seen = invokes(q);
    expect(seen.filter((r) => r.invocationType === 'DryRun')).toHaveLength(1);
    expect(seen.filter((r) => r.invocationType === 'RequestResponse' && r.logType === 'Tail')).toHaveLength(40);
    expect(seen.every((r) => /^AWS4-HMAC-SHA256 Credential=AKIDPROBEE2E\/\d{8}\/us-east-1\/lambda\/aws4_request/.test(r.authorization ?? ''))).toBe(true);
  }
  expect(lambda.requests.filter((r) => r.path.endsWith('/provisioned-concurrency')).map((r) => r.qualifier).sort()).toEqual(['7', 'live']);
});

test('the table report, exit 0 without thresholds', async () => {
  // environments of a new server: the previous test left 7 warm, as Lambda would for a while
  const fresh = await startFakeLambda('orders', {
    live: { durationMs: 15, initMs: 250, provisioned: 4 },
    7: { durationMs: 15, initMs: 250 },
  });
  const { status, stdout } = await run(['probe', 'orders', '-q', 'live,7', '-c', '4', '-n', '40', '--endpoint-url', fresh.endpoint])
    .finally(() => fresh.close());
  expect(status).toBe(0);
  expect(stdout).toMatch(/^Latency probe of orders \(us-east-1 via http:\/\/127\.0\.0\.1:\d+\): 40 requests per qualifier, concurrency 4/);
  expect(stdout).toMatch(/\nProvisioned concurrency +READY +none\n/);
  expect(stdout).toMatch(/\nCold starts +0 +4\n/);
  expect(stdout).toMatch(/\nInit duration p50 +- +250\.0 ms\n/);
});

test('the JSON log format: cold starts counted exactly from platform.report records, as with REPORT lines', async () => {
  // the same functions as above, logging in JSON (one with a log bigger than the 4 KB tail, whose first
  // record is then cut), on a new server so that every environment starts cold
  const json = await startFakeLambda('orders', {
    live: { durationMs: 15, initMs: 250, provisioned: 4, logFormat: 'JSON' },
    7: { durationMs: 15, initMs: 250, logFormat: 'JSON', outputChars: 6000 },
  });
  const { status, stdout, stderr } = await run(['probe', 'orders', '-q', 'live,7', '-c', '4', '-n', '40',
    '--endpoint-url', json.endpoint, '--max-cold-starts', '0', '--json']).finally(() => json.close());
  expect(stderr).toBe('');
  expect(status).toBe(1);
  const report = JSON.parse(stdout);
  const [live, seven] = report.qualifiers;
  expect(live).toMatchObject({ requests: 40, coldStarts: 0, withoutReportLine: 0, memorySizeMb: 128, maxMemoryUsedMb: 72 });
  expect(seven).toMatchObject({ requests: 40, coldStarts: 4, withoutReportLine: 0, durationMs: { p50: 15 }, billedDurationMs: { p50: 15 } });
  expect(seven.initDurationMs).toMatchObject({ count: 4, p50: 250 });
  expect(report.thresholds.map((t: { qualifier: string; passed: boolean; detail: string }) => [t.qualifier, t.passed, t.detail]))
    .toEqual([['live', true, '0 <= 0'], ['7', false, '4 > 0']]);
});

describe('provisioned concurrency still being allocated (right after a deploy)', () => {
  const allocating = () => startFakeLambda('orders', { live: { durationMs: 15, initMs: 250, provisioned: 4, allocatingMs: 2500 } });

  test('the probe waits until it is READY, so the gate counts no cold start that is gone minutes later', async () => {
    const fn = await allocating();
    const { status, stdout, stderr } = await run(['probe', 'orders', '-q', 'live', '-c', '4', '-n', '20', '--json',
      '--max-cold-starts', '0', '--endpoint-url', fn.endpoint]).finally(() => fn.close());
    expect(stderr).toContain('waiting for provisioned concurrency (IN_PROGRESS): live (0 of 4 allocated)');
    expect(status).toBe(0);
    expect(JSON.parse(stdout).qualifiers[0]).toMatchObject({ coldStarts: 0, provisionedConcurrency: { status: 'READY', allocated: 4 } });
  });

  test('--wait-ready 0s probes at once: the cold starts of the allocation are counted and the gate fails', async () => {
    const fn = await allocating();
    const { status, stdout, stderr } = await run(['probe', 'orders', '-q', 'live', '-c', '4', '-n', '20', '--json',
      '--max-cold-starts', '0', '--wait-ready', '0s', '--endpoint-url', fn.endpoint]).finally(() => fn.close());
    expect(stderr).not.toContain('waiting for');
    expect(status).toBe(1);
    expect(JSON.parse(stdout).qualifiers[0]).toMatchObject({ coldStarts: 4, provisionedConcurrency: { status: 'IN_PROGRESS', allocated: 0 } });
  });

  test('a wait that runs out says so and probes anyway', async () => {
    const fn = await allocating();
    const { stderr } = await run(['probe', 'orders', '-q', 'live', '-c', '1', '-n', '1', '--wait-ready', '1s', '--endpoint-url', fn.endpoint])
      .finally(() => fn.close());
    expect(stderr).toContain('warning: provisioned concurrency of live still IN_PROGRESS after --wait-ready; probing anyway');
  });
});

test('throttles are counted per request and the run goes on', async () => {
  const { status, stdout } = await run(['probe', 'orders', '-q', 'capped', '-c', '4', '-n', '30',
    '--endpoint-url', lambda.endpoint, '--max-throttles', '0', '--json']);
  expect(status).toBe(1);
  const [capped] = JSON.parse(stdout).qualifiers;
  expect(capped.throttles).toBeGreaterThan(0);
  expect(capped.succeeded + capped.throttles).toBe(30);
  expect(capped.topErrors[0]).toMatchObject({
    code: 'TooManyRequestsException', message: 'Rate Exceeded. (ReservedFunctionConcurrentInvocationLimitExceeded)',
  });
  expect(lambda.maxInFlight.get('capped')).toBe(2);
});

test('function errors are reported with their type and message', async () => {
  const { status, stdout } = await run(['probe', 'orders', '-q', '7', '-c', '2', '-n', '6', '--payload', '{"fail":true}',
    '--endpoint-url', lambda.endpoint, '--max-error-rate', '50%']);
  expect(status).toBe(1);
  expect(stdout).toMatch(/\nFunction errors +6\n/);
  expect(stdout).toContain('6 x Error: boom');
  expect(stdout).toContain('FAIL  7  --max-error-rate: 100.00% > 50.00%');
});

test('a response without a log tail leaves cold starts unknown', async () => {
  const { status, stdout } = await run(['probe', 'orders', '-q', 'quiet', '-n', '3', '--endpoint-url', lambda.endpoint, '--max-cold-starts', '0']);
  expect(status).toBe(1);
  expect(stdout).toMatch(/\nCold starts +0 \(\+3 unknown\)\n/);
});

test('an unknown function or qualifier: a clear message, a usage hint, exit 2, nothing invoked', async () => {
  const before = lambda.requests.length;
  const fn = await run(['probe', 'payments', '--endpoint-url', lambda.endpoint]);
  expect(fn.status).toBe(2);
  expect(fn.stderr).toMatch(/error: function payments with qualifier \$LATEST was not found \(Function not found: .*\); check the name, --qualifier and --region/);
  expect(fn.stderr).toContain('(run "cdk-serverless-patterns probe --help" for usage)');
  const qualifier = await run(['probe', 'orders', '-q', 'blue', '--endpoint-url', lambda.endpoint]);
  expect(qualifier.status).toBe(2);
  expect(qualifier.stderr).toMatch(/function orders with qualifier blue was not found/);
  expect(lambda.requests.slice(before).every((r) => r.invocationType === 'DryRun')).toBe(true);
});

test('a bad number is refused before anything is sent', async () => {
  const before = lambda.requests.length;
  const { status, stderr, stdout } = await run(['probe', 'orders', '-c', 'many', '--endpoint-url', lambda.endpoint]);
  expect(status).toBe(2);
  expect(stderr).toMatch(/^error: --concurrency must be an integer between 1 and 1000, got "many"\n/);
  expect(stdout).toBe('');
  expect(lambda.requests.length).toBe(before);
});

/** Sends SIGINT (`times` times, 100 ms apart) once the server has received `after` more invocations of `qualifier`. */
const interruptAfter = (qualifier: string, after: number, times = 1) => (child: ReturnType<typeof spawn>) => {
  const count = () => invokes(qualifier).filter((r) => r.invocationType === 'RequestResponse').length;
  const target = count() + after;
  const poll = setInterval(() => {
    if (count() >= target) {
      clearInterval(poll);
      for (let i = 0; i < times; i++) {
        setTimeout(() => child.kill('SIGINT'), i * 100);
      }
    }
  }, 20);
  child.on('close', () => clearInterval(poll));
};

test('Ctrl-C (SIGINT) prints the partial report and exits 130', async () => {
  const result = await run(['probe', 'orders', '-q', 'slow', '-c', '2', '-n', '1000', '--endpoint-url', lambda.endpoint, '--json'],
    interruptAfter('slow', 4));
  expect(result.signal).toBeNull();
  expect(result.status).toBe(130);
  const report = JSON.parse(result.stdout);
  expect(report.interrupted).toBe(true);
  const [slow] = report.qualifiers;
  expect(slow.requests).toBeGreaterThanOrEqual(4);
  expect(slow.requests).toBeLessThan(1000);
  // the requests in flight at Ctrl-C (200 ms each) finished within the grace period
  expect(slow.aborted).toBe(0);
  expect(slow.succeeded).toBe(slow.requests);
});

test('after Ctrl-C, requests still in flight past the grace period are abandoned', async () => {
  const started = Date.now();
  const result = await run(['probe', 'orders', '-q', 'stuck', '-c', '2', '-n', '10', '--endpoint-url', lambda.endpoint, '--json'],
    interruptAfter('stuck', 2));
  expect(result.status).toBe(130);
  const [stuck] = JSON.parse(result.stdout).qualifiers;
  expect(stuck).toMatchObject({ requests: 0, aborted: 2 });
  // the 2 s grace, not the function's 60 s
  expect(Date.now() - started).toBeLessThan(20_000);
});

test('a second Ctrl-C exits at once, without a report (with --json, a JSON error object instead)', async () => {
  const result = await run(['probe', 'orders', '-q', 'stuck', '-c', '2', '-n', '10', '--endpoint-url', lambda.endpoint, '--json'],
    interruptAfter('stuck', 2, 2));
  expect(result.status).toBe(130);
  expect(JSON.parse(result.stdout)).toEqual({
    passed: false, exitCode: 130, error: { kind: 'interrupted', message: 'interrupted twice: stopped without a report' },
  });
  const table = await run(['probe', 'orders', '-q', 'stuck', '-c', '2', '-n', '10', '--endpoint-url', lambda.endpoint],
    interruptAfter('stuck', 2, 2));
  expect(table.status).toBe(130);
  expect(table.stdout).toBe('');
});

describe('an endpoint from the environment or the shared config file is named in the report', () => {
  // nothing listens there: a request sent to it would fail the run
  const DEAD = 'http://127.0.0.1:9';
  const probeLive = (args: string[], env: Record<string, string>) => run(['probe', 'orders', '-q', 'live', '-n', '3', ...args], undefined, env);

  test('AWS_ENDPOINT_URL_LAMBDA, which wins over AWS_ENDPOINT_URL', async () => {
    const before = invokes('live').length;
    const env = { AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint, AWS_ENDPOINT_URL: DEAD };
    const json = await probeLive(['--json'], env);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ endpoint: lambda.endpoint, endpointSource: 'AWS_ENDPOINT_URL_LAMBDA' });
    const table = await probeLive([], env);
    expect(table.stdout).toMatch(/^Latency probe of orders \(us-east-1 via http:\/\/127\.0\.0\.1:\d+ from AWS_ENDPOINT_URL_LAMBDA\): 3 requests/);
    // the requests really went there: a dry run and 3 invocations per run
    expect(invokes('live').length - before).toBe(8);
  });

  test('AWS_ENDPOINT_URL alone', async () => {
    const { status, stdout } = await probeLive(['--json'], { AWS_ENDPOINT_URL: lambda.endpoint });
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ endpoint: lambda.endpoint, endpointSource: 'AWS_ENDPOINT_URL' });
  });

  test("the profile's endpoint_url", async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'probe-')), 'config');
    writeFileSync(config, `[default]\nendpoint_url = ${lambda.endpoint}\n`);
    const { status, stdout } = await probeLive(['--json'], { AWS_CONFIG_FILE: config });
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ endpoint: lambda.endpoint, endpointSource: 'shared config file' });
  });

  test('--endpoint-url wins over both variables', async () => {
    const { status, stdout } = await probeLive(['--endpoint-url', lambda.endpoint, '--json'], { AWS_ENDPOINT_URL_LAMBDA: DEAD, AWS_ENDPOINT_URL: DEAD });
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ endpoint: lambda.endpoint, endpointSource: '--endpoint-url' });
  });
});

test('--version prints the version of the package', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const result = await run(['--version']);
  expect(result).toMatchObject({ status: 0, stdout: `${version}\n`, stderr: '' });
});

test('with --json, a failure (exit 2) still writes a JSON error object, so probe.json is never empty', async () => {
  const usage = await run(['probe', 'orders', '-c', 'many', '--endpoint-url', lambda.endpoint, '--json']);
  expect(usage.status).toBe(2);
  expect(JSON.parse(usage.stdout)).toEqual({
    passed: false, exitCode: 2, error: { kind: 'usage', message: '--concurrency must be an integer between 1 and 1000, got "many"' },
  });
  const notFound = await run(['probe', 'payments', '--endpoint-url', lambda.endpoint, '--json']);
  expect(notFound.status).toBe(2);
  expect(JSON.parse(notFound.stdout).error.message).toMatch(/^function payments with qualifier \$LATEST was not found/);
});

test('a --profile that does not exist is named as such, exit 2', async () => {
  const before = lambda.requests.length;
  const result = await run(['probe', 'orders', '--profile', 'prod-typo', '--endpoint-url', lambda.endpoint, '--json']);
  expect(result.status).toBe(2);
  expect(result.stderr).toBe(`error: --profile prod-typo: no such profile in ${join(ROOT, 'nonexistent', 'config')} or ${join(ROOT, 'nonexistent', 'credentials')}\n`);
  expect(JSON.parse(result.stdout).error).toMatchObject({ kind: 'setup', message: expect.stringMatching(/^--profile prod-typo: no such profile/) });
  expect(lambda.requests.length).toBe(before);
});

test('the bundle holds the command and its SDK, and nothing of the construct library', () => {
  const bundle = readFileSync(BIN, 'utf8');
  expect(bundle.startsWith('#!/usr/bin/env node\n')).toBe(true);
  expect(bundle).toContain('node_modules/@aws-sdk/client-lambda/');
  expect(bundle).not.toMatch(/node_modules\/(aws-cdk-lib|constructs)\//);
  expect(bundle).not.toMatch(/src\/(common|index)/);
});
