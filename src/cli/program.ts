import { readFileSync } from 'fs';
import { Agent as HttpAgent } from 'http';
import { Agent as HttpsAgent } from 'https';
import { join } from 'path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { parseKnownFiles } from '@smithy/core/config';
import { Command, CommanderError } from 'commander';
import { addDlqCommands } from './dlq/command';
import { SetupError, checkInvokable, createInvoker } from './invoker';
import {
  UsageError, parseDuration, parseFunctionRef, parseInteger, parsePayload, parseQualifier, parseRate,
} from './options';
import { Progress } from './progress';
import { getProvisionedConcurrency, waitUntilAllocated } from './provisioned';
import { renderJson, renderTable } from './render';
import { ProbeReport, summarizeQualifier } from './report';
import { ProbeRunner } from './runner';
import { Thresholds, evaluateThresholds } from './thresholds';

export const BIN_NAME = 'cdk-serverless-patterns';

/** Exit statuses, so that a pipeline can tell a broken threshold from a broken command line. */
export const ExitCode = {
  OK: 0,
  THRESHOLD_BROKEN: 1,
  USAGE: 2,
  INTERRUPTED: 130,
  /** A bug of the probe (EX_SOFTWARE), not a user error. */
  INTERNAL: 70,
} as const;

/**
 * What `--json` prints instead of a report when the probe cannot produce one, so that a pipeline's
 * `probe.json` is never empty: `{ "passed": false, "exitCode": 2, "error": { "kind": "usage", "message": "..." } }`.
 * - `usage`: bad input (exit 2); `setup`: no region, unknown profile, no permission (exit 2);
 * - `interrupted`: a second Ctrl-C, which exits without a report (exit 130);
 * - `internal`: a bug of the probe (exit 70).
 */
export interface JsonFailure {
  readonly passed: false;
  readonly exitCode: number;
  readonly error: { readonly kind: 'usage' | 'setup' | 'interrupted' | 'internal'; readonly message: string };
}

export function renderJsonFailure(kind: JsonFailure['error']['kind'], exitCode: number, message: string): string {
  const failure: JsonFailure = { passed: false, exitCode, error: { kind, message } };
  return `${JSON.stringify(failure, undefined, 2)}\n`;
}

/** True when the command line asks for JSON (options end at `--`), known even when it fails to parse. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** The version of the npm package: its package.json is two folders up from src/cli, lib/cli and assets/cli. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** After Ctrl-C, how long requests already in flight may take to return before they are abandoned. */
export const IN_FLIGHT_GRACE_MS = 2000;

/** Where a usage error points: the help of the command that was run. */
function usageHint(argv: readonly string[]): string {
  const command = argv[0] === 'dlq' && ['list', 'peek', 'replay', 'purge'].includes(argv[1]) ? `dlq ${argv[1]}` : argv[0] === 'dlq' ? 'dlq' : 'probe';
  return `(run "${BIN_NAME} ${command} --help" for usage)`;
}

export interface CliStreams {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** Aborted when the user presses Ctrl-C: the probe stops and prints what it has. */
  readonly interrupt?: AbortSignal;
}

interface RawOptions {
  readonly qualifier?: string[];
  readonly payload?: string;
  readonly payloadFile?: string;
  readonly concurrency?: string;
  readonly requests?: string;
  readonly duration?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly json?: boolean;
  readonly progress: boolean;
  readonly maxColdStarts?: string;
  readonly maxThrottles?: string;
  readonly maxErrorRate?: string;
  readonly maxP50?: string;
  readonly maxP90?: string;
  readonly maxP99?: string;
  readonly waitReady?: string;
}

/** A validated probe, ready to run. */
export interface ProbeConfig {
  readonly functionName: string;
  readonly qualifiers: readonly string[];
  readonly payload?: string;
  readonly concurrency: number;
  readonly requests?: number;
  readonly durationMs?: number;
  readonly region?: string;
  readonly profile?: string;
  readonly endpoint?: string;
  readonly json: boolean;
  readonly progress: boolean;
  readonly thresholds: Thresholds;
  /** How long to wait for provisioned concurrency still being allocated before probing. */
  readonly waitReadyMs: number;
}

// Defaults are applied after parsing, not given to commander: its help would quote a string default
// ("default: \"10\"").
const DEFAULT_CONCURRENCY = 10;
const DEFAULT_REQUESTS = 100;
// Lambda allocates provisioned concurrency "over several minutes" after a version or value change.
const DEFAULT_WAIT_READY_MS = 600_000;
const WAIT_READY_POLL_MS = 2000;
// A probe, not a load test: every result is kept in memory for the percentiles (under 1 KB each), so
// --requests is capped, and so is a --duration run.
const MAX_REQUESTS = 100_000;
const HOUR_MS = 3_600_000;
const MAX_LATENCY_MS = 900_000; // Lambda's 15-minute timeout

/** Turns the raw command line into a probe, or throws a UsageError naming what is wrong. */
export function resolveConfig(functionArg: string, raw: RawOptions): ProbeConfig {
  const ref = parseFunctionRef(functionArg);
  const listed = (raw.qualifier ?? []).flatMap((q) => q.split(',')).map((q) => parseQualifier(q.trim()));
  if (ref.qualifier !== undefined && listed.length > 0) {
    throw new UsageError(`the function name already has the qualifier ${ref.qualifier}: drop it or --qualifier`);
  }
  const qualifiers = listed.length > 0 ? listed : [ref.qualifier ?? '$LATEST'];
  const duplicate = qualifiers.find((q, i) => qualifiers.indexOf(q) !== i);
  if (duplicate !== undefined) {
    throw new UsageError(`--qualifier ${duplicate} is given twice`);
  }
  if (raw.payload !== undefined && raw.payloadFile !== undefined) {
    throw new UsageError('--payload and --payload-file cannot be used together');
  }
  if (raw.requests !== undefined && raw.duration !== undefined) {
    throw new UsageError('--requests and --duration cannot be used together');
  }
  if (raw.region !== undefined && ref.region !== undefined && raw.region !== ref.region) {
    throw new UsageError(`--region ${raw.region} differs from the region of the function ARN, ${ref.region}`);
  }
  let endpoint: string | undefined;
  if (raw.endpointUrl !== undefined) {
    const url = URL.canParse(raw.endpointUrl) ? new URL(raw.endpointUrl) : undefined;
    if (url === undefined || !['http:', 'https:'].includes(url.protocol)) {
      throw new UsageError(`--endpoint-url must be an http(s) URL, got ${JSON.stringify(raw.endpointUrl)}`);
    }
    endpoint = raw.endpointUrl;
  }
  const optional = <T>(value: string | undefined, parse: (v: string) => T) => (value === undefined ? undefined : parse(value));
  const durationMs = optional(raw.duration, (v) => parseDuration('--duration', v, 1000, HOUR_MS));
  return {
    functionName: ref.functionName,
    qualifiers,
    payload: raw.payloadFile !== undefined
      ? parsePayload(`--payload-file ${raw.payloadFile}`, readPayloadFile(raw.payloadFile))
      : optional(raw.payload, (v) => parsePayload('--payload', v)),
    concurrency: parseInteger('--concurrency', raw.concurrency ?? String(DEFAULT_CONCURRENCY), 1, 1000),
    requests: durationMs === undefined
      ? parseInteger('--requests', raw.requests ?? String(DEFAULT_REQUESTS), 1, MAX_REQUESTS)
      : undefined,
    durationMs,
    region: raw.region ?? ref.region,
    profile: raw.profile,
    endpoint,
    json: raw.json ?? false,
    progress: raw.progress,
    waitReadyMs: optional(raw.waitReady, (v) => parseDuration('--wait-ready', v, 0, HOUR_MS)) ?? DEFAULT_WAIT_READY_MS,
    thresholds: {
      maxColdStarts: optional(raw.maxColdStarts, (v) => parseInteger('--max-cold-starts', v, 0, 1_000_000)),
      maxThrottles: optional(raw.maxThrottles, (v) => parseInteger('--max-throttles', v, 0, 1_000_000)),
      maxErrorRate: optional(raw.maxErrorRate, (v) => parseRate('--max-error-rate', v)),
      maxP50Ms: optional(raw.maxP50, (v) => parseDuration('--max-p50', v, 0, MAX_LATENCY_MS)),
      maxP90Ms: optional(raw.maxP90, (v) => parseDuration('--max-p90', v, 0, MAX_LATENCY_MS)),
      maxP99Ms: optional(raw.maxP99, (v) => parseDuration('--max-p99', v, 0, MAX_LATENCY_MS)),
    },
  };
}

function readPayloadFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--payload-file ${path} cannot be read: ${(e as Error).message}`);
  }
}

function createClient(config: ProbeConfig): LambdaClient {
  // One socket per request in flight: the SDK's default pool (50 sockets) would otherwise queue
  // requests inside the client and add that wait to the measured latency.
  const maxSockets = config.concurrency * config.qualifiers.length;
  return new LambdaClient({
    region: config.region,
    profile: config.profile,
    endpoint: config.endpoint,
    // A retried request would hide a throttle and report two attempts as one slow request.
    maxAttempts: 1,
    requestHandler: {
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    },
  });
}

/**
 * A named profile that is in neither shared file would otherwise surface as "no AWS region" or "Could not
 * load credentials from any providers". `default` may be absent (credentials then come from the
 * environment or the instance), so only other names are checked. Same files and parser as the SDK's.
 */
export async function checkProfile(profile: string | undefined): Promise<void> {
  const [name, source] = profile !== undefined ? [profile, '--profile'] : [process.env.AWS_PROFILE, 'AWS_PROFILE'];
  if (name === undefined || name === '' || name === 'default') {
    return;
  }
  const profiles = await parseKnownFiles({ profile: name });
  if (!Object.prototype.hasOwnProperty.call(profiles, name)) {
    const files = [process.env.AWS_CONFIG_FILE ?? '~/.aws/config', process.env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials'];
    throw new SetupError(`${source} ${name}: no such profile in ${files.join(' or ')}`);
  }
}

/**
 * Where the requests go when that is not AWS's own endpoint: --endpoint-url, or an endpoint the SDK takes
 * from the environment or the shared config file. Its documented precedence (AWS SDKs and Tools
 * reference guide, "Service-specific endpoints"): an endpoint given to the client, then
 * AWS_ENDPOINT_URL_LAMBDA, then AWS_ENDPOINT_URL, then the profile's `services` section and `endpoint_url`;
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores all but the first. The URL is asked of the SDK itself
 * (the same `serviceConfiguredEndpoint` its endpoint middleware calls), so the report names the endpoint
 * the requests really went to; only the name of its source is inferred from that precedence.
 */
async function resolveEndpoint(client: LambdaClient, config: ProbeConfig): Promise<Pick<ProbeReport, 'endpoint' | 'endpointSource'>> {
  if (config.endpoint !== undefined) {
    return { endpoint: config.endpoint, endpointSource: '--endpoint-url' };
  }
  const configured = await (client.config as { serviceConfiguredEndpoint?: () => Promise<string | undefined> }).serviceConfiguredEndpoint?.();
  if (configured === undefined) {
    return {};
  }
  const source = ['AWS_ENDPOINT_URL_LAMBDA', 'AWS_ENDPOINT_URL'].find((name) => process.env[name] === configured);
  return { endpoint: configured, endpointSource: source ?? 'shared config file' };
}

/** Runs a validated probe against Lambda and writes its report; returns the exit status. */
export async function runProbe(config: ProbeConfig, streams: CliStreams): Promise<number> {
  await checkProfile(config.profile);
  const client = createClient(config);
  try {
    let region: string;
    try {
      region = await client.config.region();
    } catch {
      throw new SetupError('no AWS region: pass --region, set AWS_REGION, or set a region in your profile');
    }
    const endpoint = await resolveEndpoint(client, config);
    for (const qualifier of config.qualifiers) {
      await checkInvokable(client, config.functionName, qualifier);
    }
    // Probing while Lambda is still allocating the provisioned environments (right after a deploy)
    // would count cold starts that are gone minutes later: wait for them first, within a bound.
    const provisioned = await waitUntilAllocated(client, config.functionName, config.qualifiers,
      await Promise.all(config.qualifiers.map((q) => getProvisionedConcurrency(client, config.functionName, q))),
      {
        timeoutMs: config.waitReadyMs,
        pollMs: WAIT_READY_POLL_MS,
        signal: streams.interrupt,
        onWait: (pending) => streams.stderr.write(`waiting for provisioned concurrency (IN_PROGRESS): ${pending.join(', ')}\n`),
      });
    const stillAllocating = config.qualifiers.filter((_, i) => provisioned[i].status === 'IN_PROGRESS');
    if (stillAllocating.length > 0 && config.waitReadyMs > 0) {
      streams.stderr.write(`warning: provisioned concurrency of ${stillAllocating.join(', ')} still IN_PROGRESS after --wait-ready; probing anyway\n`);
    }

    const progress = config.progress && streams.stderr.isTTY
      ? new Progress(streams.stderr, {
        requests: config.requests === undefined ? undefined : config.requests * config.qualifiers.length,
        durationMs: config.durationMs,
      })
      : undefined;
    const runner = new ProbeRunner(
      { qualifiers: config.qualifiers, concurrency: config.concurrency, requests: config.requests ?? MAX_REQUESTS, durationMs: config.durationMs },
      createInvoker(client, config.functionName, config.payload),
      (result) => progress?.onResult(result));
    const onInterrupt = () => runner.stop(IN_FLIGHT_GRACE_MS);
    streams.interrupt?.addEventListener('abort', onInterrupt);
    if (streams.interrupt?.aborted) {
      onInterrupt();
    }
    const outcome = await runner.run().finally(() => {
      streams.interrupt?.removeEventListener('abort', onInterrupt);
      progress?.stop();
    });

    const report: ProbeReport = {
      functionName: config.functionName,
      region,
      ...endpoint,
      concurrency: config.concurrency,
      requestsPerQualifier: config.requests,
      durationMs: config.durationMs,
      elapsedMs: Math.round(outcome.elapsedMs),
      interrupted: outcome.interrupted,
      qualifiers: config.qualifiers.map((q, i) => summarizeQualifier(q, provisioned[i], outcome.results)),
    };
    const checks = evaluateThresholds(report.qualifiers, config.thresholds);
    streams.stdout.write(config.json ? renderJson(report, checks) : renderTable(report, checks));
    if (outcome.interrupted) {
      return ExitCode.INTERRUPTED;
    }
    return checks.every((c) => c.passed) ? ExitCode.OK : ExitCode.THRESHOLD_BROKEN;
  } finally {
    client.destroy();
  }
}

/** The whole command line: `cdk-serverless-patterns probe <function> [options]` and `... dlq <command> <dlq>`. Returns the exit status. */
export async function runCli(argv: readonly string[], streams: CliStreams): Promise<number> {
  let status: number = ExitCode.OK;
  const json = wantsJson(argv);
  const hint = usageHint(argv);
  const fail = (kind: 'usage' | 'setup', message: string) => {
    if (json) {
      streams.stdout.write(renderJsonFailure(kind, ExitCode.USAGE, message));
    }
    return ExitCode.USAGE;
  };
  const program = new Command(BIN_NAME)
    .description('Tools for functions built with cdk-serverless-patterns')
    .version(packageVersion(), '-V, --version', 'print the version of cdk-serverless-patterns')
    .exitOverride()
    .configureOutput({ writeOut: (s) => streams.stdout.write(s), writeErr: (s) => streams.stderr.write(s) })
    .showHelpAfterError(hint);

  program.command('probe')
    .description('Invoke a function under load and report latency percentiles, cold starts, errors and throttles '
      + 'per qualifier, with its provisioned concurrency. Exits 1 when a --max-* threshold is broken.')
    .argument('<function>', 'function name, partial ARN or ARN, optionally with :qualifier')
    .option('-q, --qualifier <qualifier>', 'version or alias to probe; repeat (or comma-separate) to probe several side by side (default: $LATEST)',
      (value: string, previous: string[] = []) => [...previous, value])
    .option('-p, --payload <json>', 'event to send, as inline JSON')
    .option('--payload-file <path>', 'event to send, read from a JSON file')
    .option('-c, --concurrency <n>', `requests in flight at once, per qualifier (1-1000; default: ${DEFAULT_CONCURRENCY})`)
    .option('-n, --requests <n>', `requests per qualifier (1-${MAX_REQUESTS}; default: ${DEFAULT_REQUESTS})`)
    .option('-d, --duration <duration>', `send requests for this long instead of a fixed number (e.g. 30s, 5m; at most 1h and ${MAX_REQUESTS} requests)`)
    .option('--region <region>', 'AWS region (default: the SDK chain: AWS_REGION, then your profile)')
    .option('--profile <profile>', 'shared-config profile for credentials and region (default: AWS_PROFILE, then default)')
    .option('--endpoint-url <url>', 'send requests to this Lambda-compatible endpoint instead of AWS')
    .option('--json', 'print the report as JSON (for CI)')
    .option('--no-progress', 'do not show the progress bar (it only shows on a terminal anyway)')
    .option('--max-cold-starts <n>', 'fail when a qualifier has more cold starts than this')
    .option('--max-throttles <n>', 'fail when a qualifier has more throttled requests than this')
    .option('--max-error-rate <rate>', 'fail above this share of failed requests (0.01 or 1%)')
    .option('--max-p50 <duration>', 'fail when the p50 latency is above this (e.g. 100ms)')
    .option('--max-p90 <duration>', 'fail when the p90 latency is above this')
    .option('--max-p99 <duration>', 'fail when the p99 latency is above this (e.g. 200ms, 1.5s)')
    .option('--wait-ready <duration>', `wait at most this long for provisioned concurrency that is still being allocated (IN_PROGRESS) before probing; 0s probes at once (default: ${DEFAULT_WAIT_READY_MS / 60_000}m)`)
    .action(async (functionArg: string, raw: RawOptions) => {
      status = await runProbe(resolveConfig(functionArg, raw), streams);
    });

  addDlqCommands(program, streams, checkProfile, (s) => {
    status = s;
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; anything else commander rejects is a usage error it has already printed.
      return e.exitCode === 0 ? ExitCode.OK : fail('usage', e.message.replace(/^error: /, ''));
    }
    if (e instanceof UsageError) {
      streams.stderr.write(`error: ${e.message}\n${hint}\n`);
      return fail('usage', e.message);
    }
    if (e instanceof SetupError) {
      streams.stderr.write(`error: ${e.message}\n`);
      return fail('setup', e.message);
    }
    throw e;
  }
}
