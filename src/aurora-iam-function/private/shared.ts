import { Token } from 'aws-cdk-lib';

/**
 * Lambda's Node.js 20+ runtimes ship the Amazon CA bundle (RDS CAs included) as
 * /var/runtime/ca-cert.pem but load it only when NODE_EXTRA_CA_CERTS names it; without it, TLS
 * verification of an Aurora endpoint fails.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html
 */
export const LAMBDA_CA_BUNDLE_ENV = { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' };

/**
 * Names of users and roles: lowercase so the IAM token's DBUser, the `rds-db:connect` ARN and
 * PostgreSQL's folded identifiers agree; at most 63 bytes, PostgreSQL's limit.
 */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function validatePostgresIdentifier(prop: string, value: string): void {
  if (Token.isUnresolved(value)) return;
  if (!IDENTIFIER.test(value)) {
    throw new Error(`${prop} must be 1-63 characters of lowercase letters, digits and _, not starting with a digit, got '${value}'`);
  }
}
