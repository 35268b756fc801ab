import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import * as library from '../../../src';
import { GUARD_METADATA_KEY } from '../../../src/common/guard';

/**
 * The AWS Control Tower proactive controls, judged offline by cfn-guard: both the cfn-guard 3.1.1
 * binary and the controls' guard rules (with one metadata file per control) come bundled in
 * `@cdklabs/cdk-validator-cfnguard`, which is used for its files only, not as a CDK plugin.
 *
 * A finding is acknowledged the way the cfn-guard rules registry does it, on the resource itself:
 * `Metadata.guard.SuppressedRules` lists the guard rule name. The Control Tower rules do not read
 * that convention themselves, so this judge drops those findings, and, like cdk-nag, it only
 * accepts an acknowledgement that gives its reason (`Metadata.guard.Reasons[rule]`; see
 * src/common/guard.ts, which writes both).
 */
const PACKAGE_DIR = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
const RULES_DIR = path.join(PACKAGE_DIR, 'rules', 'control-tower');

/** One Control Tower control: its guard rule file, the rule's name in it and what it evaluates. */
interface Control {
  readonly file: string;
  readonly ruleName: string;
  /** e.g. CT.LAMBDA.PR.3 */
  readonly id: string;
  readonly displayName: string;
  /** The resource types the control reports on (its metadata's EvaluatedResourceTypes). */
  readonly evaluatedTypes: readonly string[];
}

let controls: Control[] | undefined;

/** Every bundled control, read once per process. */
function allControls(): Control[] {
  if (!controls) {
    const guardDir = path.join(RULES_DIR, 'cfn-guard');
    controls = fs.readdirSync(guardDir).flatMap((service) => fs.readdirSync(path.join(guardDir, service))
      .filter((f) => f.endsWith('.guard'))
      .map((f) => {
        const file = path.join(guardDir, service, f);
        const meta = JSON.parse(fs.readFileSync(path.join(RULES_DIR, 'metadata', service, f.replace(/\.guard$/, '.metadata.json')), 'utf-8'));
        // Each control file has one primary rule (`rule <name> when ...`), the name cfn-guard reports.
        const ruleName = /^rule (\w+) when/m.exec(fs.readFileSync(file, 'utf-8'))?.[1];
        if (!ruleName) throw new Error(`no primary rule in ${file}`);
        return { file, ruleName, id: meta.Id, displayName: meta.DisplayName, evaluatedTypes: meta.EvaluatedResourceTypes };
      }));
  }
  return controls;
}

function guardBinary(): string {
  const platform = ({ linux: 'ubuntu', darwin: 'macos' } as Record<string, string>)[os.platform()];
  const arch = ({ x64: 'x86_64', arm64: 'aarch64' } as Record<string, string>)[os.arch()];
  if (!platform || !arch) throw new Error(`cfn-guard is bundled for linux and macOS on x64 and arm64, not ${os.platform()} ${os.arch()}`);
  return path.join(PACKAGE_DIR, 'bin', platform, arch, 'cfn-guard');
}

/** Every `/Resources/<id>` that a non-compliant rule's checks traversed to. */
function resourcesIn(node: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(node)) {
    node.forEach((n) => resourcesIn(n, found));
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      const match = key === 'path' && typeof value === 'string' ? /^\/Resources\/([^/]+)/.exec(value) : null;
      if (match) found.add(match[1]);
      else resourcesIn(value, found);
    }
  }
  return found;
}

/**
 * Runs every Control Tower proactive control over one synthesized template (the template object,
 * or the path of a template file) and returns each unacknowledged finding as
 * `CT.<id> <guard rule> @ <logical id>: <control>`, about any resource, or only about the
 * resources whose logical ids `only` holds.
 *
 * Only the controls that evaluate a resource type the template holds are given to cfn-guard: the
 * others can only SKIP, and parsing all 237 rule files for every template costs about seven times
 * as much (measured on the example app: 3.4 s instead of 22 s for its 16 templates).
 */
export function controlTowerFindings(template: object | string, only?: ReadonlySet<string>): string[] {
  const doc = typeof template === 'string' ? JSON.parse(fs.readFileSync(template, 'utf-8')) : template;
  const resources: Record<string, any> = doc.Resources ?? {};
  const types = new Set(Object.values(resources).map((r) => r.Type));
  const applicable = allControls().filter((c) => c.evaluatedTypes.some((t) => types.has(t)));
  if (applicable.length === 0) return [];

  const run = spawnSync(guardBinary(), [
    'validate',
    ...applicable.flatMap((c) => ['--rules', c.file]),
    '--output-format', 'json', '--show-summary', 'none', '--structured',
  ], { input: JSON.stringify(doc), encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024 });
  // cfn-guard exits 0 when every rule passes or skips and 19 when one fails; anything else is an error.
  if (run.status !== 0 && run.status !== 19) {
    throw new Error(`cfn-guard failed (exit ${run.status ?? run.signal}): ${run.stderr || run.error}`);
  }

  const byRule = new Map(applicable.map((c) => [c.ruleName, c]));
  const findings: string[] = [];
  for (const result of JSON.parse(run.stdout) as any[]) {
    for (const nonCompliant of result.not_compliant ?? []) {
      const control = byRule.get(nonCompliant.Rule.name)!;
      // A check may also traverse into a resource the evaluated one refers to; the finding is
      // about the evaluated resource.
      const violating = [...resourcesIn(nonCompliant, new Set())]
        .filter((id) => control.evaluatedTypes.includes(resources[id]?.Type) && (!only || only.has(id)));
      for (const id of violating) {
        const guard = resources[id].Metadata?.[GUARD_METADATA_KEY];
        const suppressed = (guard?.SuppressedRules ?? []).includes(control.ruleName);
        const reason = guard?.Reasons?.[control.ruleName];
        if (suppressed && typeof reason === 'string' && reason.trim().length >= 10) continue;
        const unexplained = suppressed ? ' (suppressed without a reason: give one of 10 characters or more)' : '';
        findings.push(`${control.id} ${control.ruleName} @ ${id}: ${control.displayName}${unexplained}`);
      }
    }
  }
  return findings.sort();
}

/** The construct classes of the library (every exported class that is a Construct). */
const LIBRARY_CONSTRUCTS: Function[] = Object.values<unknown>(library)
  .filter((v): v is Function => typeof v === 'function' && v.prototype instanceof Construct);

/**
 * The logical ids of the resources in `stack` that a construct of the library defines, for the
 * unit tests' gate: what a test builds around a construct (a VPC, a key, a table it is given)
 * stands for the caller's own resources. The integ apps and the example app are judged whole.
 */
export function libraryResourceIds(stack: Stack): Set<string> {
  const ownedByLibrary = (c: IConstruct) => c.node.scopes.some((s) => LIBRARY_CONSTRUCTS.some((cls) => s instanceof cls));
  return new Set(stack.node.findAll()
    .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === stack && ownedByLibrary(c))
    .map((c) => stack.resolve(c.logicalId)));
}
