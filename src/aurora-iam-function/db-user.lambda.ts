import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { Client } from 'pg';
import { DatabaseUserProperties, DatabaseUserResponse, applyDatabaseUserEvent } from './runtime/db-user';
import { verifyingTlsOptions } from './runtime/tls';

const secrets = new SecretsManagerClient({});

/**
 * onEvent handler of the AuroraIamDatabaseUser custom resource (custom_resources.Provider): signs
 * in with the cluster's admin secret, over verified TLS, and creates, updates or drops the IAM user.
 */
export async function handler(event: CloudFormationCustomResourceEvent): Promise<DatabaseUserResponse> {
  const props = event.ResourceProperties as unknown as DatabaseUserProperties;
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: props.SecretArn }));
  const { username, password } = JSON.parse(secret.SecretString ?? '{}');
  const db = new Client({
    host: props.Host,
    port: Number(props.Port),
    database: props.Database,
    user: username,
    password,
    ssl: verifyingTlsOptions(),
    // A Serverless v2 cluster paused at 0 ACU takes some seconds to resume on the first connection.
    connectionTimeoutMillis: 30_000,
    // Bounded below the handler's 2-minute timeout, as the helper's calls are: a DDL statement
    // waiting on a lock (DROP ROLE while a session holds it) fails with PostgreSQL's own error, and a
    // silently dead connection is found by TCP keepalive, instead of the function timing out.
    statement_timeout: 60_000,
    query_timeout: 65_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  await db.connect();
  try {
    return await applyDatabaseUserEvent(db, event);
  } finally {
    await db.end();
  }
}
