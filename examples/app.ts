import { App, Stack } from 'aws-cdk-lib';
import { AuroraIamFunctionExampleStack } from './stacks/aurora-iam-function';

/**
 * The example app: one stack per construct of the library, each in its most common configuration.
 * `npx projen example` synthesizes it and reports cfn-lint and cdk-nag verdicts per stack.
 * Stacks are environment-agnostic (no lookups), so synthesis needs no AWS credentials.
 */
export function buildExampleApp(app: App = new App()): { app: App; stacks: Stack[] } {
  const stacks: Stack[] = [
    new AuroraIamFunctionExampleStack(app, 'AuroraIamFunctionExample'),
  ];
  return { app, stacks };
}
