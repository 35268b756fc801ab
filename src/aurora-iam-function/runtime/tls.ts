import * as fs from 'fs';
import type { ConnectionOptions } from 'tls';

/**
 * TLS options that always verify the server: its certificate chain against `ca` (or, without it,
 * the file named by `DB_SSL_CA_FILE`, or else Node's trust store) and its host name.
 *
 * On Lambda's Node.js 20+ runtimes the Amazon CA bundle, RDS CAs included, is the file
 * `/var/runtime/ca-cert.pem`, which Node loads only when `NODE_EXTRA_CA_CERTS` names it: the
 * constructs of this library set that variable on the functions they define.
 */
export function verifyingTlsOptions(ca?: string | Buffer): ConnectionOptions {
  const caFile = process.env.DB_SSL_CA_FILE;
  const pem = ca ?? (caFile ? fs.readFileSync(caFile) : undefined);
  return pem === undefined ? { rejectUnauthorized: true } : { ca: pem, rejectUnauthorized: true };
}
