import * as os from 'os';
import { Signer } from '@aws-sdk/rds-signer';
import { Client } from 'pg';
import { IamDatabaseConnection } from '../src/aurora-iam-function/runtime';
import { startTestPostgres } from '../test/support/postgres';

/**
 * Warm-invocation cost of AuroraIamFunction's helper on the local PostgreSQL 17 fixture (TLS with
 * verification, SCRAM), against:
 * - a raw `SELECT 1` on an already open pg connection (the floor), and
 * - a naive handler that signs a new token and opens a new connection on every call.
 *
 * Every path signs real SigV4 tokens with @aws-sdk/rds-signer when it needs one. The local server
 * checks the password with SCRAM against a token signed at setup, which every path sends; Aurora
 * would verify each call's own token instead (a service-side cost not measured here).
 */
const USER = 'bench_user';
const WARM_CALLS = 2000;
const NAIVE_CALLS = 200;

/**
 * Rounds alternate between the naive path and the warm ones; the warm paths alternate call by call
 * (raw, helper, sign, raw, ...), so drifting load from other processes hits them alike. (Blocks of
 * 400 calls per path, as before, scattered helper / raw between 0.92x and 1.23x at p50 on a loaded
 * machine; call-by-call alternation holds the same code within a few percent.)
 */
const ROUNDS = 5;

interface Path { calls: number; fn: () => Promise<unknown>; samples: number[] }

interface Stats { mean: number; p50: number; p95: number }

/** `steps` calls of each path, one path after the other at every step; recorded unless warming up. */
async function sample(paths: Path[], steps: number, record = true): Promise<void> {
  for (let i = 0; i < steps; i++) {
    for (const p of paths) {
      const start = process.hrtime.bigint();
      await p.fn();
      if (record) p.samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
}

function stats(samples: number[]): Stats {
  samples.sort((a, b) => a - b);
  return {
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    p50: samples[Math.floor(samples.length * 0.5)],
    p95: samples[Math.floor(samples.length * 0.95)],
  };
}

const fmt = (s: Stats) => `mean ${s.mean.toFixed(3)} ms, p50 ${s.p50.toFixed(3)} ms, p95 ${s.p95.toFixed(3)} ms`;

export async function run(): Promise<void> {
  const server = await startTestPostgres();
  const ssl = { ca: server.ca, rejectUnauthorized: true };
  const connection = { host: server.host, port: server.port, database: 'postgres', user: USER };
  const signer = new Signer({
    hostname: server.host,
    port: server.port,
    username: USER,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  });
  const token = await signer.getAuthToken();
  const admin = new Client({ ...connection, user: server.adminUser, password: server.adminPassword, ssl });
  await admin.connect();
  await admin.query(`CREATE ROLE ${USER} LOGIN PASSWORD ${admin.escapeLiteral(token)}`);
  // Sign for real (the cost a new token has), send the token the server knows.
  const benchSigner = { getAuthToken: async () => { await signer.getAuthToken(); return token; } };

  const raw = new Client({ ...connection, password: token, ssl });
  const helper = new IamDatabaseConnection({ ...connection, ca: server.ca, signer: benchSigner });
  try {
    await raw.connect();
    await helper.query('SELECT 1');

    const paths: Record<string, Path> = {
      raw: { calls: WARM_CALLS, fn: () => raw.query('SELECT 1'), samples: [] },
      helper: { calls: WARM_CALLS, fn: () => helper.query('SELECT 1'), samples: [] },
      naive: {
        calls: NAIVE_CALLS,
        fn: async () => {
          const client = new Client({ ...connection, password: await benchSigner.getAuthToken(), ssl });
          await client.connect();
          try {
            await client.query('SELECT 1');
          } finally {
            await client.end();
          }
        },
        samples: [],
      },
      sign: { calls: WARM_CALLS, fn: () => signer.getAuthToken(), samples: [] },
    };
    const warm = [paths.raw, paths.helper, paths.sign];
    await sample(warm, WARM_CALLS / 20, false);
    await sample([paths.naive], NAIVE_CALLS / 20, false);
    for (let round = 0; round < ROUNDS; round++) {
      await sample(warm, WARM_CALLS / ROUNDS);
      await sample([paths.naive], NAIVE_CALLS / ROUNDS);
    }
    const [rawStats, helperStats, naiveStats, signStats] = ['raw', 'helper', 'naive', 'sign'].map((k) => stats(paths[k].samples));

    console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, PostgreSQL 17 on 127.0.0.1 (TLS, SCRAM)`);
    console.log(`raw query on an open connection (${WARM_CALLS} calls): ${fmt(rawStats)}`);
    console.log(`helper, warm                    (${WARM_CALLS} calls): ${fmt(helperStats)}`);
    console.log(`naive new token + connection    (${NAIVE_CALLS} calls): ${fmt(naiveStats)}`);
    console.log(`token signing alone             (${WARM_CALLS} calls): ${fmt(signStats)}`);
    console.log(`ratio helper / raw:   ${(helperStats.mean / rawStats.mean).toFixed(2)}x (mean), ${(helperStats.p50 / rawStats.p50).toFixed(2)}x (p50)`);
    console.log(`ratio naive / helper: ${(naiveStats.mean / helperStats.mean).toFixed(1)}x (mean), ${(naiveStats.p50 / helperStats.p50).toFixed(1)}x (p50)`);
  } finally {
    await helper.end();
    await raw.end();
    await admin.end();
    await server.stop();
  }
}
