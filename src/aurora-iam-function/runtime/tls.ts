import * as fs from 'fs';
import * as tls from 'tls';

/**
 * The trust store Node would use without a `ca` option: its bundled roots plus
 * NODE_EXTRA_CA_CERTS (on Lambda, the Amazon bundle `/var/runtime/ca-cert.pem`, which holds the
 * RDS CAs and the Amazon roots an RDS Proxy certificate chains to).
 */
function defaultTrust(): string[] {
  const getCACertificates = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (getCACertificates) return getCACertificates('default'); // Node 22.15+: what Node loaded at start
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  return [...tls.rootCertificates, ...(extra && fs.existsSync(extra) ? [fs.readFileSync(extra, 'utf-8')] : [])];
}

/**
 * TLS options that always verify the server: its certificate chain and its host name. A given
 * `ca` (or the file named by `DB_SSL_CA_FILE`) is added to Node's trust store, not put in its
 * place: Node's `ca` option alone replaces the store, and trusting only the RDS bundle would then
 * refuse an RDS Proxy, whose certificate chains to Amazon's public roots.
 *
 * On Lambda's Node.js 20+ runtimes the Amazon CA bundle, RDS CAs included, is the file
 * `/var/runtime/ca-cert.pem`, which Node loads only when `NODE_EXTRA_CA_CERTS` names it: the
 * constructs of this library set that variable on the functions they define.
 */
export function verifyingTlsOptions(ca?: string | Buffer): tls.ConnectionOptions {
  const caFile = process.env.DB_SSL_CA_FILE;
  const pem = ca ?? (caFile ? fs.readFileSync(caFile) : undefined);
  return pem === undefined ? { rejectUnauthorized: true } : { ca: [...defaultTrust(), pem.toString()], rejectUnauthorized: true };
}
