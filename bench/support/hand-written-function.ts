import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The floors' function, written by hand with L2 constructs the way the library's
 * createSecureFunction defines one: its own log group with a one-year retention, its own role
 * writing only there, active tracing with its wildcard in a separate policy, 512 MB, 30 s.
 */
export function handWrittenFunction(scope: Construct, props: lambda.FunctionProps): lambda.Function {
  const logGroup = new logs.LogGroup(scope, 'FunctionLogGroup', { retention: logs.RetentionDays.ONE_YEAR });
  const role = new iam.Role(scope, 'FunctionServiceRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);
  const tracing = new iam.Policy(scope, 'FunctionTracingPolicy', {
    roles: [role],
    statements: [new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
  });
  const fn = new lambda.Function(scope, 'Function', { ...props, memorySize: 512, timeout: Duration.seconds(30), logGroup, role });
  (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
  fn.node.addDependency(tracing);
  return fn;
}
