import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges a cdk-nag finding on the narrowest construct that causes it, with the reason a
 * reviewer needs. Uses the core `Validations` API, so the library does not depend on cdk-nag.
 *
 * @param scope the construct the finding is about (acknowledgements apply to it and its children)
 * @param ruleId the cdk-nag rule, e.g. `AwsSolutions-IAM4` or a granular
 *               `AwsSolutions-IAM5[Resource::*]` finding
 * @param reason why the finding is acceptable here
 */
export function acknowledgeNagRule(scope: IConstruct, ruleId: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: ruleId, reason });
}
