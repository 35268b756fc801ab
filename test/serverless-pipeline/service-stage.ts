import { Stack, Stage, StageProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeNagRule } from '../../src/common/nag';
import { createSecureFunction } from '../../src/common/secure-function';

/** A stage like the ones users deploy: one stack with a function behind a provisioned `live` alias. */
export class ServiceStage extends Stage {
  public readonly alias: lambda.Alias;
  public readonly fn: lambda.Function;
  public readonly service: Stack;

  constructor(scope: Construct, id: string, props: StageProps & { functionName?: string; stackName?: string } = {}) {
    super(scope, id, props);
    this.service = new Stack(this, 'Service', { stackName: props.stackName });
    this.fn = createSecureFunction(this.service, 'Handler', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ ok: true });'),
      functionName: props.functionName,
    });
    acknowledgeNagRule(this.fn, 'Serverless-LambdaDLQ', 'test: invoked synchronously only');
    this.alias = new lambda.Alias(this.service, 'Live', {
      aliasName: 'live',
      version: this.fn.currentVersion,
      provisionedConcurrentExecutions: 2,
    });
  }
}
