// README example: the function's handler (bundled with the function's own pg and @aws-sdk/rds-signer).
// handler.ts
import { IamDatabaseConnection } from 'cdk-serverless-patterns/lib/aurora-iam-function/runtime';

// Outside the handler: warm invocations reuse the connection and the cached token.
const db = new IamDatabaseConnection();

export async function handler(event: { orderId: string }) {
  const { rows } = await db.query('SELECT id, status FROM orders WHERE id = $1', [event.orderId]);
  return rows[0] ?? null;
}
