import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Variant, buildApp } from './support/build';
import { fmt } from './support/stats';
import { loadSubject, subjectFiles } from './support/subject';

/**
 * Template cost: resources and template bytes per instance of each construct against the
 * hand-written floor, the share of CloudFormation's 500-resource limit one instance takes, and a
 * check that the floor defines the same resource types (the synth-cost comparison is fair only then).
 *
 * "First" is one instance's template minus an empty stack's; "marginal" is (10 instances - 1) / 9,
 * smaller when instances share something (a singleton provider, a shared role).
 */
const RESOURCE_LIMIT = 500;

interface Shape { resources: number; bytes: number; minifiedBytes: number; types: Record<string, number> }

function shape(app: App, stackName: string): Shape {
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stackName);
  const template = artifact.template;
  const types: Record<string, number> = {};
  for (const r of Object.values<any>(template.Resources ?? {})) types[r.Type] = (types[r.Type] ?? 0) + 1;
  return {
    resources: Object.keys(template.Resources ?? {}).length,
    bytes: fs.statSync(artifact.templateFullPath).size,
    minifiedBytes: Buffer.byteLength(JSON.stringify(template)),
    types,
  };
}

export async function run(): Promise<void> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-template-'));
  let fresh = 0;
  const outdirFor = () => path.join(outdir, String(fresh++));
  const emptyApp = new App({ outdir: outdirFor() });
  new Stack(emptyApp, 'Bench0');
  const empty = shape(emptyApp, 'Bench0');

  const results: Record<string, unknown> = {};
  console.log('construct              variant      resources first / marginal   bytes first / marginal (minified first)   share of 500');
  for (const file of subjectFiles()) {
    const subject = loadSubject(file);
    const perVariant = Object.fromEntries((['construct', 'floor'] as Variant[]).map((variant) => {
      const one = shape(buildApp(subject, variant, 1, outdirFor()), 'Bench0');
      const ten = shape(buildApp(subject, variant, 10, outdirFor()), 'Bench0');
      const first = {
        resources: one.resources - empty.resources,
        bytes: one.bytes - empty.bytes,
        minifiedBytes: one.minifiedBytes - empty.minifiedBytes,
      };
      const marginal = { resources: (ten.resources - one.resources) / 9, bytes: (ten.bytes - one.bytes) / 9 };
      console.log(`${subject.name.padEnd(22)} ${variant.padEnd(10)} ${fmt(first.resources, 0, 9)} / ${fmt(marginal.resources, 1, 6)}`
        + `   ${fmt(first.bytes, 0, 9)} / ${fmt(marginal.bytes, 0, 7)} (${fmt(first.minifiedBytes, 0, 7)})`
        + `              ${fmt((100 * first.resources) / RESOURCE_LIMIT, 1, 5)}%`);
      return [variant, { first, marginal, types: one.types }];
    }));
    const c = perVariant.construct;
    const f = perVariant.floor;
    console.log(`${''.padEnd(22)} ratio      ${fmt(c.first.resources / f.first.resources, 2, 9)}x${''.padEnd(11)}${fmt(c.first.bytes / f.first.bytes, 2, 9)}x`
      + `   -> ${Math.floor(RESOURCE_LIMIT / c.marginal.resources)} instances fit in one stack`);
    const typeNames = [...new Set([...Object.keys(c.types), ...Object.keys(f.types)])].sort();
    const differences = typeNames.filter((t) => c.types[t] !== f.types[t]).map((t) => `${t} ${c.types[t] ?? 0} vs ${f.types[t] ?? 0}`);
    console.log(`${''.padEnd(22)} same resource types as the floor: ${differences.length === 0 ? 'yes' : `NO (${differences.join(', ')})`}`);
    results[subject.name] = { ...perVariant, differences };
  }

  fs.rmSync(outdir, { recursive: true, force: true });
  const out = path.join(__dirname, 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'template-cost.json'), JSON.stringify({ date: new Date().toISOString(), results }, undefined, 1));
}
