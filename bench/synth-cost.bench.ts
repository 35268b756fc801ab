import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Variant } from './support/build';
import { fmt, linearFit, median } from './support/stats';
import { loadSubject, subjectFiles } from './support/subject';

/**
 * Synth cost: for every construct (bench/subjects/), an app with N instances against the same
 * resources hand-written with L2 constructs (the floor). Each measurement runs in its own process
 * (bench/support/synth-child.ts) so peak memory is its own; construct and floor alternate within
 * each repetition (ABBA order), so drifting machine load hits both alike.
 *
 * Prints construct/floor ratios of wall time, CPU time and peak memory (median of the repetitions)
 * and the growth per instance (least-squares slope over N, with R² and the marginal cost 10->50
 * against 1->10 as linearity checks). BENCH_REPS sets the repetitions (default 3).
 */
const SIZES = [1, 10, 50];
const REPS = Number(process.env.BENCH_REPS ?? 3);
const TARGET = 1.15;
const CHILD = path.join(__dirname, 'support', 'synth-child.ts');
// esbuild's require hook, not ts-node: children start in half the time, and without the TypeScript
// compiler in memory the peak RSS is closer to what synthesis itself takes.
const REGISTER = path.join(__dirname, 'support', 'register.js');

interface Sample { wallMs: number; cpuMs: number; maxRssKb: number; rssBeforeKb: number }

function measure(file: string, variant: Variant, n: number): Sample {
  const child = spawnSync(process.execPath, ['-r', REGISTER, CHILD, file, variant, String(n)], { encoding: 'utf-8' });
  if (child.status !== 0) throw new Error(`${path.basename(file)} ${variant} N=${n} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

export async function run(): Promise<void> {
  const results: Record<string, unknown> = {};
  for (const file of subjectFiles()) {
    const subject = loadSubject(file);
    const samples: Record<Variant, Record<number, Sample[]>> = { construct: {}, floor: {} };
    for (const n of SIZES) {
      for (let rep = 0; rep < REPS; rep++) {
        const order: Variant[] = rep % 2 === 0 ? ['construct', 'floor'] : ['floor', 'construct'];
        for (const variant of order) (samples[variant][n] ??= []).push(measure(file, variant, n));
      }
    }

    const med = (variant: Variant, n: number, key: keyof Sample | 'rssGrowthKb') => median(samples[variant][n]
      .map((s) => (key === 'rssGrowthKb' ? s.maxRssKb - s.rssBeforeKb : s[key])));
    console.log(`\n== ${subject.name}: construct vs hand-written floor (median of ${REPS}, one process per measurement)`);
    console.log('     N   wall ms (c / floor = ratio)     CPU ms (c / floor = ratio)    peak RSS MB (c / floor = ratio)   RSS growth MB (c / floor)');
    const rows = SIZES.map((n) => {
      const compare = (k: keyof Sample | 'rssGrowthKb') => {
        const c = med('construct', n, k);
        const f = med('floor', n, k);
        return { construct: c, floor: f, ratio: c / f };
      };
      const row = { wallMs: compare('wallMs'), cpuMs: compare('cpuMs'), maxRssKb: compare('maxRssKb'), rssGrowthKb: compare('rssGrowthKb') };
      const mb = (kb: number) => kb / 1024;
      console.log(`${fmt(n, 0, 6)}  ${fmt(row.wallMs.construct)} /${fmt(row.wallMs.floor)} = ${fmt(row.wallMs.ratio, 2, 5)}x`
        + `  ${fmt(row.cpuMs.construct)} /${fmt(row.cpuMs.floor)} = ${fmt(row.cpuMs.ratio, 2, 5)}x`
        + `   ${fmt(mb(row.maxRssKb.construct), 1)} /${fmt(mb(row.maxRssKb.floor), 1)} = ${fmt(row.maxRssKb.ratio, 2, 5)}x`
        + `   ${fmt(mb(row.rssGrowthKb.construct), 1)} /${fmt(mb(row.rssGrowthKb.floor), 1)}`);
      return { n, ...row };
    });

    const growth = Object.fromEntries((['construct', 'floor'] as const).map((variant) => {
      const byMetric = Object.fromEntries((['wallMs', 'cpuMs'] as const).map((k) => {
        const points = SIZES.map((n): [number, number] => [n, med(variant, n, k)]);
        const fit = linearFit(points);
        const marginal = (points[2][1] - points[1][1]) / (points[2][0] - points[1][0]);
        const early = (points[1][1] - points[0][1]) / (points[1][0] - points[0][0]);
        return [k, { perInstanceMs: fit.slope, r2: fit.r2, marginalRatio: marginal / early }];
      }));
      return [variant, byMetric];
    }));
    for (const k of ['wallMs', 'cpuMs'] as const) {
      const c = growth.construct[k];
      const f = growth.floor[k];
      console.log(`   growth per instance (${k === 'wallMs' ? 'wall' : 'CPU'}): construct ${c.perInstanceMs.toFixed(1)} ms (R² ${c.r2.toFixed(3)}, cost 10->50 / 1->10 = ${c.marginalRatio.toFixed(2)}),`
        + ` floor ${f.perInstanceMs.toFixed(1)} ms (R² ${f.r2.toFixed(3)}, ${f.marginalRatio.toFixed(2)}): ratio ${(c.perInstanceMs / f.perInstanceMs).toFixed(2)}x`);
    }
    const verdict = (k: 'wallMs' | 'cpuMs') => rows.map((r) => `N=${r.n} ${r[k].ratio <= TARGET ? 'met' : 'MISSED'}`).join(', ');
    const linear = growth.construct.cpuMs.r2 >= 0.98;
    console.log(`   target ${TARGET}x: CPU ${verdict('cpuMs')}; wall ${verdict('wallMs')}; linear in N (CPU R² >= 0.98): ${linear ? 'yes' : 'NO'}`);
    results[subject.name] = { rows, growth, samples };
  }

  const out = path.join(__dirname, 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'synth-cost.json'), JSON.stringify({ date: new Date().toISOString(), reps: REPS, results }, undefined, 1));
}
