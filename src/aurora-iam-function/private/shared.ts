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
export const POSTGRES_IDENTIFIER = {
  kind: 'string',
  pattern: /^[a-z_][a-z0-9_]{0,62}$/,
  expected: '1-63 characters of lowercase letters, digits and _, not starting with a digit',
} as const;

/** Checks each name of a list (of roles) as `prop`, the one the user set; tokens pass. */
export function validatePostgresIdentifiers(prop: string, values: readonly string[]): void {
  for (const value of values) {
    if (!Token.isUnresolved(value) && !POSTGRES_IDENTIFIER.pattern.test(value)) {
      throw new Error(`${prop} must be ${POSTGRES_IDENTIFIER.expected}, got '${value}'`);
    }
  }
}
