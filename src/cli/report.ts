import { InvocationResult } from './invoker';
import { isColdStart } from './log-tail';
import { ProvisionedConcurrencyStatus } from './provisioned';
import { Summary, summarize } from './statistics';

/** How often one error (code and message) occurred. */
export interface ErrorCount {
  readonly code: string;
  readonly message: string;
  readonly count: number;
}

/** What the callers of one qualifier experienced. */
export interface QualifierReport {
  readonly qualifier: string;
  readonly provisionedConcurrency: ProvisionedConcurrencyStatus;
  /** Requests that completed (all outcomes but `aborted`). */
  readonly requests: number;
  readonly succeeded: number;
  readonly functionErrors: number;
  readonly throttles: number;
  readonly errors: number;
  readonly aborted: number;
  /** (function errors + throttles + errors) / requests; undefined when no request completed. */
  readonly errorRate?: number;
  /** Invocations whose report had an Init (or SnapStart Restore) Duration. */
  readonly coldStarts: number;
  /** Invocations that ran but returned no report (REPORT line or `platform.report` record): whether they started cold is unknown. */
  readonly withoutReportLine: number;
  /** Caller-side latency of the requests the function answered (successes and function errors). */
  readonly latencyMs?: Summary;
  /** The function's own Duration, from the reports. */
  readonly durationMs?: Summary;
  readonly billedDurationMs?: Summary;
  /** Init Duration of the cold starts. */
  readonly initDurationMs?: Summary;
  readonly maxMemoryUsedMb?: number;
  readonly memorySizeMb?: number;
  /** The most frequent errors, most frequent first (at most five). */
  readonly topErrors: readonly ErrorCount[];
}

export interface ProbeReport {
  readonly functionName: string;
  readonly region: string;
  /** The endpoint the requests went to, when it is not AWS's own. */
  readonly endpoint?: string;
  /** Where that endpoint came from: `--endpoint-url`, `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL` or `shared config file`. */
  readonly endpointSource?: string;
  readonly concurrency: number;
  readonly requestsPerQualifier?: number;
  readonly durationMs?: number;
  readonly elapsedMs: number;
  readonly interrupted: boolean;
  readonly qualifiers: readonly QualifierReport[];
}

const numbers = (values: readonly (number | undefined)[]) => values.filter((v): v is number => v !== undefined);

export function summarizeQualifier(
  qualifier: string, provisionedConcurrency: ProvisionedConcurrencyStatus, all: readonly InvocationResult[]): QualifierReport {
  const results = all.filter((r) => r.qualifier === qualifier);
  const count = (outcome: InvocationResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
  const answered = results.filter((r) => r.outcome === 'success' || r.outcome === 'function-error');
  const reports = answered.flatMap((r) => (r.report ? [r.report] : []));
  const requests = results.length - count('aborted');
  const failed = count('function-error') + count('throttled') + count('error');
  const errorCounts = new Map<string, ErrorCount>();
  for (const r of results) {
    if (r.outcome === 'success' || r.outcome === 'aborted') {
      continue;
    }
    const code = r.errorCode ?? r.outcome;
    const message = r.errorMessage ?? '';
    const key = `${code}\n${message}`;
    errorCounts.set(key, { code, message, count: (errorCounts.get(key)?.count ?? 0) + 1 });
  }
  const memory = numbers(reports.map((r) => r.maxMemoryUsedMb));
  return {
    qualifier,
    provisionedConcurrency,
    requests,
    succeeded: count('success'),
    functionErrors: count('function-error'),
    throttles: count('throttled'),
    errors: count('error'),
    aborted: count('aborted'),
    errorRate: requests === 0 ? undefined : failed / requests,
    coldStarts: reports.filter(isColdStart).length,
    withoutReportLine: answered.length - reports.length,
    latencyMs: summarize(answered.map((r) => r.latencyMs)),
    durationMs: summarize(reports.map((r) => r.durationMs)),
    billedDurationMs: summarize(numbers(reports.map((r) => r.billedDurationMs))),
    initDurationMs: summarize(numbers(reports.map((r) => r.initDurationMs))),
    maxMemoryUsedMb: memory.length === 0 ? undefined : memory.reduce((a, b) => Math.max(a, b)),
    memorySizeMb: reports.find((r) => r.memorySizeMb !== undefined)?.memorySizeMb,
    topErrors: [...errorCounts.values()].sort((a, b) => b.count - a.count).slice(0, 5),
  };
}
