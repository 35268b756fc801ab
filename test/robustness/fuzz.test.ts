import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as fc from 'fast-check';
import { validationErrorProblems } from './support/errors';
import { fuzzParameters, loadSubjects } from './support/subject';
import { validateIntegerRange } from '../../src/common/validation';
import { controlTowerFindings, libraryResourceIds } from '../support/judges/control-tower';
import { iamFindings } from '../support/judges/iam';
import { stateMachineFindings } from '../support/judges/state-machines';
import { cfnLint, nagFindings } from '../support/quality-gates';

/**
 * Property-based tests of every construct (one subject file each in ./subjects): a random valid
 * configuration, with or without one injected fault, either throws our own validation error naming
 * the faulty prop, or synthesizes a template that cdk-nag (AwsSolutions + Serverless), cfn-lint and
 * the judges of meaning (test/support/judges/) find nothing wrong with. Reproduce a failure with the
 * FC_SEED (and path) fast-check prints.
 *
 * cfn-lint costs far more than a synthesis (about a second per template on a loaded machine), so
 * each template is posted to the shared cfn-lint server as soon as it exists and the verdicts are
 * collected after the run: the linter works while the next cases synthesize. The IAM judge costs
 * about a millisecond a template and judges every valid case; the state-machine and Control Tower
 * judges cost a synthesis or more each (EmrPipeline's definitions, cfn-guard's start-up), so they
 * judge a bounded sample, spread over the run: every JUDGE_EVERY-th valid case, at most
 * JUDGED_AT_MOST of each construct.
 */
const JUDGE_EVERY = 3;
const JUDGED_AT_MOST = 5;

describe.each(loadSubjects().map((s) => [s.name, s] as const))('%s', (_name, subject) => {
  test('random props: a validation error naming the faulty prop, or a clean template', async () => {
    let rejected = 0;
    const lintFindings: string[] = [];
    let linted = 0;
    let valid = 0;
    let judged = 0;
    // One request at a time (the server is single-threaded, with a short listen backlog).
    let lintQueue = Promise.resolve();
    await fc.assert(fc.asyncProperty(subject.cases, async (fuzzCase) => {
      const stack = new Stack(new App(), 'Fuzz');
      let template: Record<string, any> | undefined;
      let error: unknown;
      try {
        fuzzCase.build(stack);
        template = Template.fromStack(stack).toJSON();
      } catch (e) {
        error = e;
      }

      if (fuzzCase.fault) {
        expect(template).toBeUndefined();
        expect(validationErrorProblems(error, fuzzCase.fault)).toEqual([]);
        rejected++;
        return;
      }
      if (error) throw error;
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
      const rules = [...new Set(nagFindings(stack).map((f) => f.split(' @ ')[0]))].sort();
      expect(rules).toEqual([...fuzzCase.nagRules ?? []].sort());
      expect(await iamFindings(template!)).toEqual([]);
      if (valid++ % JUDGE_EVERY === 0 && judged < JUDGED_AT_MOST) {
        judged++;
        expect(stateMachineFindings(template)).toEqual([]);
        const controls = [...new Set(controlTowerFindings(template!, libraryResourceIds(stack)).map((f) => f.split(' ')[0]))].sort();
        expect(controls).toEqual([...fuzzCase.controls ?? []].sort());
      }
      lintQueue = lintQueue.then(() => cfnLint(template!)).then(
        (matches) => {
          linted++;
          lintFindings.push(...matches.map((m) => `${fuzzCase.label}: ${m.rule} (${m.level}) ${m.path}: ${m.message}`));
        },
        (e) => { lintFindings.push(`${fuzzCase.label}: ${e}`); });
      // Let the request go out while the next case synthesizes.
      await new Promise(setImmediate);
    }), fuzzParameters(subject));

    await lintQueue;
    expect(lintFindings).toEqual([]);
    // The generator must exercise both outcomes, or the property above proves little.
    expect(linted).toBeGreaterThan(0);
    expect(judged).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});

/** The oracle itself: it accepts our validation errors only. */
describe('validationErrorProblems', () => {
  const thrown = (f: () => void): unknown => {
    try {
      f();
    } catch (e) {
      return e;
    }
    throw new Error('did not throw');
  };

  test('accepts an error of the library naming the prop', () => {
    const error = thrown(() => validateIntegerRange('batchSize', 11, 1, 10));
    expect(validationErrorProblems(error, 'batchSize')).toEqual([]);
  });

  test('rejects an error of the library that names another prop', () => {
    const error = thrown(() => validateIntegerRange('batchSize', 11, 1, 10));
    expect(validationErrorProblems(error, 'maxConcurrency')).toEqual([expect.stringMatching(/^message does not name maxConcurrency/)]);
  });

  test('rejects an aws-cdk-lib error', () => {
    const error = thrown(() => new sqs.Queue(new Stack(), 'Q', { retentionPeriod: Duration.days(15) }));
    expect(validationErrorProblems(error, 'retentionPeriod')).toContainEqual(expect.stringMatching(/^aws-cdk-lib \w+: /));
  });

  test('rejects a crash outside src/', () => {
    const error = thrown(() => JSON.parse('{'));
    expect(validationErrorProblems(error, 'retentionPeriod')).toContainEqual(expect.stringMatching(/^thrown outside src\/ /));
  });

  test('rejects a message that does not start with a word', () => {
    expect(validationErrorProblems(new Error('[batchSize] bad'), 'batchSize')).toContainEqual(expect.stringMatching(/^message does not start with a word/));
  });
});
