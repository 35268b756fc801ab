import * as fs from 'fs';
import * as path from 'path';
import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import type { DurationUnit } from '../../../src/common/validation';
import { durationOf } from '../../support/durations';

/**
 * One generated configuration of a construct: how to build it in a stack, and what must happen.
 * Each case is a valid configuration with at most one fault injected, so the oracle is simple:
 * a faulty case must throw an error naming `fault`, a case without one must synthesize cleanly.
 */
export interface FuzzCase {
  /** A short description, printed by fast-check when the property fails. */
  readonly label: string;
  /** Builds the construct (and anything it needs) in `stack`. */
  readonly build: (stack: Stack) => void;
  /** The prop a faulty case must be rejected for (the error message must name it). */
  readonly fault?: string;
  /**
   * cdk-nag rules a valid case must break, because its props knowingly lower a setting cdk-nag
   * checks (e.g. logging only errors): the findings must be exactly these rules.
   * @default - none: no finding at all
   */
  readonly nagRules?: string[];
  /**
   * AWS Control Tower controls (ids such as `CT.RDS.PR.3`) a valid case must break, for the same
   * reason as `nagRules`: when the case is among those the Control Tower judge runs on, its findings
   * must be exactly these controls.
   * @default - none: no finding at all
   */
  readonly controls?: string[];
}

/**
 * What a construct contributes to the robustness suite: one file in test/robustness/subjects/
 * exporting `subject`, discovered by the tests.
 */
export interface RobustnessSubject {
  /** The construct's class name. */
  readonly name: string;
  /** Random configurations: in range, out of range, tokens, conflicts, imported resources. */
  readonly cases: fc.Arbitrary<FuzzCase>;
  /**
   * Cases per run, when this construct's cases cost much more than the others' (say why).
   * @default FC_NUM_RUNS, else 25
   */
  readonly numRuns?: number;
  /** The default configuration (fewest props) and the fullest one, for the security review. */
  readonly configurations: Record<'default' | 'fullest', (stack: Stack) => void>;
}

/** Every subject in test/robustness/subjects/, sorted by name. */
export function loadSubjects(): RobustnessSubject[] {
  const dir = path.join(__dirname, '..', 'subjects');
  return fs.readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    // Files found at run time, so a dynamic require rather than an import.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    .map((f) => (require(path.join(dir, f)) as { subject: RobustnessSubject }).subject);
}

/**
 * fast-check settings, reproducible by default: FC_SEED picks another seed (fast-check prints
 * the seed and path of a failure), FC_NUM_RUNS the number of cases of every construct.
 */
export function fuzzParameters(subject: RobustnessSubject): fc.Parameters<unknown> {
  return {
    seed: Number(process.env.FC_SEED ?? 20261130),
    numRuns: process.env.FC_NUM_RUNS ? Number(process.env.FC_NUM_RUNS) : subject.numRuns ?? 25,
    endOnFailure: true,
  };
}

/** A number known only at deploy time, resolving to `value`. */
export function numberToken(value: number): number {
  return Lazy.number({ produce: () => value });
}

/**
 * A duration inside [min, max] `unit`s that is not a whole number of them: the fault of issue 18,
 * which aws-cdk-lib's conversions (toSeconds, toHours, ...) refuse with an error naming no prop.
 */
export function fractionalDuration(unit: DurationUnit, min: number, max: number): fc.Arbitrary<Duration> {
  return fc.tuple(fc.integer({ min, max: max - 1 }), fc.constantFrom(0.001, 0.25, 0.5, 0.999))
    .map(([whole, fraction]) => durationOf(unit, whole + fraction));
}
