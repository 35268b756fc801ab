// Handler-side helpers for functions defined by AuroraIamFunction. Not part of the jsii API:
// import them as `cdk-serverless-patterns/lib/aurora-iam-function/runtime` in function code.
// They load `pg` and `@aws-sdk/rds-signer` (the function's own dependencies), never aws-cdk-lib.
export { IamDatabaseConnection, OutcomeUnknownError, DatabaseConnectError, StatementTimeoutError } from './connection';
export type { IamDatabaseConnectionOptions, AuthTokenSigner, QueryOptions } from './connection';
export { verifyingTlsOptions } from './tls';
