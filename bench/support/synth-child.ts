import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Variant, buildApp } from './build';
import { loadSubject } from './subject';

/**
 * One synth-cost measurement in a fresh process (so peak memory is this measurement's alone):
 * `synth-child.ts <subject file> <construct|floor> <n>`. Loads the subject (and with it
 * aws-cdk-lib and the library) first, then measures building the app and synthesizing it, and
 * prints one JSON line.
 */
const [file, variant, n] = process.argv.slice(2);
const subject = loadSubject(file);
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));

const rssBeforeKb = process.memoryUsage().rss / 1024;
const cpuStart = process.cpuUsage();
const start = process.hrtime.bigint();
buildApp(subject, variant as Variant, Number(n), outdir).synth();
const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
const cpu = process.cpuUsage(cpuStart);
const maxRssKb = process.resourceUsage().maxRSS;

fs.rmSync(outdir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssKb, rssBeforeKb }) + '\n');
