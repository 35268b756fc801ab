/**
 * Parsing of the log tail that Lambda returns with `LogType: Tail` (the last 4 KB of the invocation's
 * log, base64-encoded). The platform's report is always the last record of an invocation's log, so it
 * is always inside the tail, whatever the function itself printed; the tail's first line, though, may be
 * cut anywhere (even inside a multi-byte character or a JSON record).
 *
 * A function logs in one of two formats (`LoggingConfig.LogFormat`):
 * - `Text`: a `REPORT RequestId: ...\tDuration: 1.23 ms\t...` line;
 * - `JSON`: one JSON object per line; the report is a `platform.report` record whose `record.metrics`
 *   holds `durationMs`, `billedDurationMs`, `memorySizeMB`, `maxMemoryUsedMB` and, on a cold start,
 *   `initDurationMs` (or SnapStart's `restoreDurationMs`): the Telemetry API's `platform.report` event.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html#platform-report
 */

/** The figures of one invocation's report (either format). Durations in milliseconds, memory in MB. */
export interface ReportLine {
  readonly requestId?: string;
  readonly durationMs: number;
  readonly billedDurationMs?: number;
  readonly memorySizeMb?: number;
  readonly maxMemoryUsedMb?: number;
  /** Present only when this invocation initialized a new execution environment (a cold start). */
  readonly initDurationMs?: number;
  /** Present only when a SnapStart environment was restored from a snapshot (also a cold start). */
  readonly restoreDurationMs?: number;
}

/** Decodes the base64 `LogResult` of an Invoke response. */
export function decodeLogResult(logResult: string): string {
  return Buffer.from(logResult, 'base64').toString('utf8');
}

// The lookbehind keeps `Duration` from matching inside `Billed Duration` or `Init Duration`.
const FIELD = (label: string) => new RegExp(`(?<!\\w ?)${label}:\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(?:ms|MB)`);
const DURATION = FIELD('Duration');
const BILLED = FIELD('Billed Duration');
const MEMORY_SIZE = FIELD('Memory Size');
const MAX_MEMORY = FIELD('Max Memory Used');
const INIT = FIELD('Init Duration');
const RESTORE = FIELD('Restore Duration');
const REQUEST_ID = /RequestId:\s*([0-9A-Za-z-]+)/;

function field(line: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(line);
  return match ? Number(match[1]) : undefined;
}

/**
 * The report of a decoded log tail, a REPORT line or a `platform.report` record, or undefined when there
 * is none (an endpoint that does not return logs): the caller then cannot tell whether the start was cold.
 */
export function parseReportLine(log: string): ReportLine | undefined {
  // The last report wins: the platform writes it after everything else of the invocation, so a line the
  // function printed that merely looks like one comes before it.
  for (const line of log.split(/\r?\n/).reverse()) {
    const report = parseTextReport(line) ?? parseJsonReport(line);
    if (report !== undefined) {
      return report;
    }
  }
  return undefined;
}

function parseTextReport(line: string): ReportLine | undefined {
  if (!/^REPORT\s/.test(line.trimStart())) {
    return undefined;
  }
  const durationMs = field(line, DURATION);
  if (durationMs === undefined) {
    return undefined;
  }
  return {
    requestId: REQUEST_ID.exec(line)?.[1],
    durationMs,
    billedDurationMs: field(line, BILLED),
    memorySizeMb: field(line, MEMORY_SIZE),
    maxMemoryUsedMb: field(line, MAX_MEMORY),
    initDurationMs: field(line, INIT),
    restoreDurationMs: field(line, RESTORE),
  };
}

const finite = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function parseJsonReport(line: string): ReportLine | undefined {
  const text = line.trim();
  // Cheap test first: most lines of a JSON-format log are the function's own records.
  if (!text.startsWith('{') || !text.includes('platform.report')) {
    return undefined;
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return undefined; // the tail's first line, cut short
  }
  if (!isObject(event) || event.type !== 'platform.report' || !isObject(event.record) || !isObject(event.record.metrics)) {
    return undefined;
  }
  const metrics = event.record.metrics;
  const durationMs = finite(metrics.durationMs);
  if (durationMs === undefined) {
    return undefined;
  }
  return {
    requestId: typeof event.record.requestId === 'string' ? event.record.requestId : undefined,
    durationMs,
    billedDurationMs: finite(metrics.billedDurationMs),
    memorySizeMb: finite(metrics.memorySizeMB),
    maxMemoryUsedMb: finite(metrics.maxMemoryUsedMB),
    initDurationMs: finite(metrics.initDurationMs),
    restoreDurationMs: finite(metrics.restoreDurationMs),
  };
}

/** True when the invocation started a new execution environment. */
export function isColdStart(report: ReportLine): boolean {
  return report.initDurationMs !== undefined || report.restoreDurationMs !== undefined;
}
