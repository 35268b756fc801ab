import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';

/**
 * What a construct contributes to the benchmarks: one file in bench/subjects/ exporting `subject`.
 * `construct` and `floor` must define the same resources, `floor` with aws-cdk-lib L2 constructs
 * only, written the way a careful engineer would by hand; template-cost.bench.ts prints any
 * difference in resource types between the two.
 */
export interface BenchSubject {
  /** The construct's class name. */
  readonly name: string;
  /** Defines one instance of the construct, in its most common configuration, under `scope`. */
  readonly construct: (scope: Construct, id: string) => void;
  /** Defines the same resources with aws-cdk-lib L2 constructs, under `scope`. */
  readonly floor: (scope: Construct, id: string) => void;
}

export const SUBJECTS_DIR = path.join(__dirname, '..', 'subjects');

/** Subject files in bench/subjects/, sorted; BENCH_SUBJECTS=a,b keeps the files whose name contains one of them. */
export function subjectFiles(): string[] {
  const only = process.env.BENCH_SUBJECTS?.split(',').filter(Boolean);
  return fs.readdirSync(SUBJECTS_DIR)
    .filter((f) => f.endsWith('.ts') && (!only || only.some((o) => f.includes(o))))
    .sort()
    .map((f) => path.join(SUBJECTS_DIR, f));
}

export function loadSubject(file: string): BenchSubject {
  // A file found at run time, so a dynamic require rather than an import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(file) as { subject: BenchSubject }).subject;
}
