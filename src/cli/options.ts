/**
 * Parsing and validation of command-line values. Every error names the option, what it accepts and the
 * value given, so the message alone tells the user what to fix.
 */

/** A value the user gave that the probe cannot use. The CLI prints it with a usage hint (exit 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseInteger(option: string, raw: string, min: number, max: number): number {
  const value = /^[0-9]+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${option} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration with a unit (`200ms`, `1.5s`, `2m`), in milliseconds. A bare number is refused: `--max-p99
 * 200` and `--duration 30` would each be read one way by half of the users.
 */
export function parseDuration(option: string, raw: string, minMs: number, maxMs: number): number {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h)\s*$/.exec(raw);
  const value = match ? Number(match[1]) * DURATION_UNITS[match[2]] : NaN;
  if (!match) {
    throw new UsageError(`${option} must be a duration with a unit such as 200ms, 1.5s or 2m, got ${JSON.stringify(raw)}`);
  }
  if (value < minMs || value > maxMs) {
    throw new UsageError(`${option} must be between ${formatMs(minMs)} and ${formatMs(maxMs)}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A rate as a fraction (`0.01`) or a percentage (`1%`), returned as a fraction between 0 and 1. */
export function parseRate(option: string, raw: string): number {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(%?)\s*$/.exec(raw);
  const value = match ? Number(match[1]) / (match[2] === '%' ? 100 : 1) : NaN;
  if (!match || value > 1) {
    throw new UsageError(`${option} must be a fraction between 0 and 1 or a percentage between 0% and 100%, got ${JSON.stringify(raw)}`);
  }
  return value;
}

// Versions are numbers or $LATEST; alias names are letters, digits, '-' and '_' (1-128 characters).
const QUALIFIER = /^(\$LATEST|[A-Za-z0-9_-]{1,128})$/;

export function parseQualifier(raw: string): string {
  if (!QUALIFIER.test(raw)) {
    throw new UsageError(
      `--qualifier must be a version number, $LATEST or an alias name (letters, digits, '-' and '_', at most 128 characters), got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/** A function named by name, partial ARN or ARN, possibly with a qualifier (`name:alias`). */
export interface FunctionRef {
  /** What to pass as `FunctionName`, without any qualifier. */
  readonly functionName: string;
  /** The qualifier written into the name or ARN, if any. */
  readonly qualifier?: string;
  /** The region written into an ARN, if any. */
  readonly region?: string;
}

// The FunctionName pattern of the Invoke API, with its parts captured.
const FUNCTION_REF =
  /^(arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):\d{12}:function:|\d{12}:function:)?([a-zA-Z0-9_-]{1,64})(?::(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$/;

export function parseFunctionRef(raw: string): FunctionRef {
  const match = FUNCTION_REF.exec(raw.trim());
  if (!match) {
    throw new UsageError(
      `<function> must be a function name, partial ARN (123456789012:function:name) or ARN, optionally followed by :qualifier, got ${JSON.stringify(raw)}`);
  }
  const [, prefix, region, name, qualifier] = match;
  return { functionName: `${prefix ?? ''}${name}`, qualifier, region };
}

/** Parses a JSON payload so that a typo fails before any request is sent. */
export function parsePayload(source: string, text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${source} must be valid JSON: ${(e as Error).message}`);
  }
  return text;
}

export function formatMs(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) {
    return `${ms / 3_600_000}h`;
  }
  if (ms >= 60_000 && ms % 60_000 === 0) {
    return `${ms / 60_000}m`;
  }
  if (ms >= 1000 && ms % 1000 === 0) {
    return `${ms / 1000}s`;
  }
  return `${ms}ms`;
}
