import { App } from 'aws-cdk-lib';
import { buildExampleApp } from './app';

// The example app's entry for the CDK CLI (examples/cdk.json): `npx cdk synth`, `npx cdk diff` and
// `npx cdk deploy <stack>` run from examples/ like in any CDK app.
buildExampleApp(new App());
