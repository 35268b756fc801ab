import { QualifierReport } from './report';

/** Limits given on the command line; each applies to every qualifier. */
export interface Thresholds {
  readonly maxColdStarts?: number;
  readonly maxThrottles?: number;
  readonly maxErrorRate?: number;
  readonly maxP50Ms?: number;
  readonly maxP90Ms?: number;
  readonly maxP99Ms?: number;
}

export interface ThresholdCheck {
  readonly qualifier: string;
  /** The command-line option, e.g. `--max-p99`. */
  readonly option: string;
  readonly limit: number;
  /** The measured value; undefined when it could not be measured (which fails the check). */
  readonly actual?: number;
  readonly passed: boolean;
  /** One readable line: what was measured against what. */
  readonly detail: string;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

export function evaluateThresholds(reports: readonly QualifierReport[], thresholds: Thresholds): ThresholdCheck[] {
  const checks: ThresholdCheck[] = [];
  for (const r of reports) {
    const check = (option: string, limit: number, actual: number | undefined, show: (v: number) => string, missing: string) => {
      const passed = actual !== undefined && actual <= limit;
      const detail = actual === undefined
        ? `${missing}; limit ${show(limit)}`
        : `${show(actual)} ${passed ? '<=' : '>'} ${show(limit)}`;
      checks.push({ qualifier: r.qualifier, option, limit, actual, passed, detail });
    };
    if (thresholds.maxColdStarts !== undefined) {
      // An invocation without a report might have been cold, and none answered proves nothing
      // (every request throttled or failed): a gate must not pass on a guess.
      const answered = r.succeeded + r.functionErrors;
      const actual = r.withoutReportLine > 0 || answered === 0 ? undefined : r.coldStarts;
      check('--max-cold-starts', thresholds.maxColdStarts, actual, String, answered === 0
        ? 'cold starts not countable: no request was answered'
        : `cold starts not countable: ${r.withoutReportLine} responses had no REPORT line or platform.report record in their log tail`);
    }
    if (thresholds.maxThrottles !== undefined) {
      check('--max-throttles', thresholds.maxThrottles, r.throttles, String, 'no requests completed');
    }
    if (thresholds.maxErrorRate !== undefined) {
      check('--max-error-rate', thresholds.maxErrorRate, r.errorRate, pct, 'no requests completed');
    }
    const latency: [string, number | undefined, number | undefined][] = [
      ['--max-p50', thresholds.maxP50Ms, r.latencyMs?.p50],
      ['--max-p90', thresholds.maxP90Ms, r.latencyMs?.p90],
      ['--max-p99', thresholds.maxP99Ms, r.latencyMs?.p99],
    ];
    for (const [option, limit, actual] of latency) {
      if (limit !== undefined) {
        check(option, limit, actual, ms, 'no request was answered, so there is no latency to measure');
      }
    }
  }
  return checks;
}

