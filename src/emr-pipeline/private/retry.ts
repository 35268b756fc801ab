import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/**
 * Error names under which a throttled EMR API call surfaces in a task state of the optimized EMR
 * integration: it reports EMR API errors as `EMR.AmazonElasticMapReduceException` (throttling
 * included).
 */
export const THROTTLING_ERRORS = [
  'ThrottlingException',
  'EMR.AmazonElasticMapReduceException',
];

const BACKOFF = {
  interval: Duration.seconds(5),
  backoffRate: 2,
  maxAttempts: 6,
  maxDelay: Duration.minutes(2),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * Retries a throttled API call with exponential backoff and full jitter (5 s, 10 s, 20 s, ...,
 * capped at 2 minutes, 6 attempts), so many executions starting at once spread their retries
 * instead of failing together. Only for tasks that make one request and wait for nothing: a
 * `.sync` task would re-submit its work when the error came from its waiting.
 */
export function retryOnThrottling(task: sfn.TaskStateBase): void {
  task.addRetry({ errors: THROTTLING_ERRORS, ...BACKOFF });
}

/**
 * Retries a read-only call (DescribeCluster, DescribeStep, ListClusters) on any error, with the
 * same backoff: repeating a read changes nothing.
 */
export function retryReadOnly(task: sfn.TaskStateBase): void {
  task.addRetry({ errors: [sfn.Errors.ALL], ...BACKOFF });
}
