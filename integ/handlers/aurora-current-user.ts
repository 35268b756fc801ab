// Test handler of integ.aurora-iam-function*.ts, written as a user would: the connection lives
// outside the handler (reused by warm invocations) and is authenticated with an IAM token.
import { IamDatabaseConnection } from 'cdk-serverless-patterns/lib/aurora-iam-function/runtime';

const db = new IamDatabaseConnection();

export async function handler(): Promise<{ user: string; ssl: boolean }> {
  const { rows } = await db.query<{ user: string; ssl: boolean }>(
    'SELECT current_user AS "user", ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
  return rows[0];
}
