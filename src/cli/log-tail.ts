/**
 * Parsing of the log tail that Lambda returns with `LogType: Tail` (the last 4 KB of the invocation's
 * log, base64-encoded). The platform's REPORT line is always the last line of an invocation's log, so it
 * is always inside the tail, whatever the function itself printed.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
 */

/** The figures of one REPORT line. Durations in milliseconds, memory in MB. */
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
 * The REPORT line of a decoded log tail, or undefined when there is none (a tail cut short, or an
 * endpoint that does not return logs): the caller then cannot tell whether the start was cold.
 */
export function parseReportLine(log: string): ReportLine | undefined {
  // The last REPORT line wins: with a 4 KB tail there is at most one, but be robust to a log that
  // happens to quote an earlier one.
  const line = log.split(/\r?\n/).reverse().find((l) => /^REPORT\s/.test(l.trimStart()));
  if (line === undefined) {
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

/** True when the invocation started a new execution environment. */
export function isColdStart(report: ReportLine): boolean {
  return report.initDurationMs !== undefined || report.restoreDurationMs !== undefined;
}
