import { App, Stack } from 'aws-cdk-lib';
import { BenchSubject } from './subject';

/** Instances per stack: a realistic app splits them, and 10 of the largest stay far below 500 resources. */
export const INSTANCES_PER_STACK = 10;

export type Variant = 'construct' | 'floor';

/**
 * An app with `n` instances of the subject's construct or floor, `INSTANCES_PER_STACK` per stack.
 * The 500-resource check is switched off so a large construct still measures (template-cost
 * reports its share of the limit).
 */
export function buildApp(subject: BenchSubject, variant: Variant, n: number, outdir?: string): App {
  const app = new App({ outdir, context: { '@aws-cdk/core:stackResourceLimit': 0 } });
  let stack: Stack | undefined;
  for (let i = 0; i < n; i++) {
    if (i % INSTANCES_PER_STACK === 0) stack = new Stack(app, `Bench${i / INSTANCES_PER_STACK}`);
    subject[variant](stack!, `Instance${i}`);
  }
  return app;
}
