import { App, Stack } from 'aws-cdk-lib';
import { AuroraIamFunctionExampleStack } from './stacks/aurora-iam-function';
import { DurableSubscriberExampleStack } from './stacks/durable-subscriber';
import { EmrPipelineExampleStack } from './stacks/emr-pipeline';
import { ProvisionedFunctionExampleStack } from './stacks/provisioned-function';
import { ServerlessPipelineExampleStack } from './stacks/serverless-pipeline';
import { StreamProcessorExampleStack } from './stacks/stream-processor';

/**
 * The example app: one stack per construct of the library, each in its most common configuration.
 * `npx projen example` synthesizes it and reports cfn-lint and cdk-nag verdicts per stack.
 * Stacks are environment-agnostic (no lookups), so synthesis needs no AWS credentials.
 */
export function buildExampleApp(app: App = new App()): { app: App; stacks: Stack[] } {
  const stacks: Stack[] = [
    new ProvisionedFunctionExampleStack(app, 'ProvisionedFunctionExample'),
    new StreamProcessorExampleStack(app, 'StreamProcessorExample'),
    new DurableSubscriberExampleStack(app, 'DurableSubscriberExample'),
    new EmrPipelineExampleStack(app, 'EmrPipelineExample'),
    new AuroraIamFunctionExampleStack(app, 'AuroraIamFunctionExample'),
    new ServerlessPipelineExampleStack(app, 'ServerlessPipelineExample'),
  ];
  return { app, stacks };
}
