import { Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The reserved concurrency of a function of this app (or of the function behind an alias or
 * version), read from its template; `undefined` when it has none, is imported, or is a token.
 */
export function reservedConcurrencyOf(fn: lambda.IFunction): number | undefined {
  const target = fn instanceof lambda.Alias ? fn.version.lambda : fn instanceof lambda.Version ? fn.lambda : fn;
  const cfn = target.node.defaultChild;
  if (!(cfn instanceof lambda.CfnFunction)) return undefined;
  const reserved = cfn.reservedConcurrentExecutions;
  return typeof reserved === 'number' && !Token.isUnresolved(reserved) ? reserved : undefined;
}
