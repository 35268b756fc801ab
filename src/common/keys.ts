import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';

/**
 * Adds the key policy statement AWS Control Tower requires (CT.KMS.PR.3): nobody may create a
 * grant on the key unless an AWS service does it, or does it for an AWS resource (as EBS and RDS
 * do on a caller's behalf). A principal with `kms:*`, such as the account root that CDK's
 * default key policy allows, can then no longer hand the key to anyone through a grant.
 */
export function limitGrantsToAwsServices(key: kms.Key): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  }));
}
