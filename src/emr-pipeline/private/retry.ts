import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/**
 * Error names under which a throttled EMR or Step Functions API call surfaces in a task state:
 * the optimized EMR integration reports EMR API errors as `EMR.AmazonElasticMapReduceException`
 * (throttling included), AWS SDK integrations as `<Service>.<Exception>`.
 */
export const THROTTLING_ERRORS = [
  'ThrottlingException',
  'EMR.AmazonElasticMapReduceException',
  'Sfn.SfnException',
  'Sfn.ThrottlingException',
];

/**
 * Retries a throttled API call with exponential backoff and full jitter (5 s, 10 s, 20 s, ...,
 * capped at 2 minutes, 6 attempts), so many executions starting at once spread their retries
 * instead of failing together. A failed EMR step is reported as `States.TaskFailed` and is not
 * retried: rerunning a data step is the caller's decision.
 */
export function retryOnThrottling(task: sfn.TaskStateBase): void {
  task.addRetry({
    errors: THROTTLING_ERRORS,
    interval: Duration.seconds(5),
    backoffRate: 2,
    maxAttempts: 6,
    maxDelay: Duration.minutes(2),
    jitterStrategy: sfn.JitterType.FULL,
  });
}
