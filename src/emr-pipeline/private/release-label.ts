/** An EMR release version, parsed from a label such as `emr-7.5.0`. */
export interface EmrRelease {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** Parses `emr-X.Y.Z`; throws an error naming the prop and the value otherwise. */
export function parseReleaseLabel(label: string): EmrRelease {
  const match = /^emr-(\d+)\.(\d+)\.(\d+)$/.exec(label);
  if (!match) {
    throw new Error(`releaseLabel must have the form emr-X.Y.Z (for example emr-7.5.0), got '${label}'`);
  }
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

/** True when `release` is the same as or later than `floor`. */
export function isAtLeast(release: EmrRelease, floor: EmrRelease): boolean {
  if (release.major !== floor.major) return release.major > floor.major;
  if (release.minor !== floor.minor) return release.minor > floor.minor;
  return release.patch >= floor.patch;
}

/** The first release with `StepConcurrencyLevel`. */
export const STEP_CONCURRENCY_FLOOR: EmrRelease = { major: 5, minor: 28, patch: 0 };

/**
 * Idle auto-termination arrived in emr-5.30.0 on the 5.x line and emr-6.1.0 on the 6.x line.
 * @see https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-auto-termination-policy.html
 */
export function supportsAutoTermination(release: EmrRelease): boolean {
  if (release.major === 5) return isAtLeast(release, { major: 5, minor: 30, patch: 0 });
  return isAtLeast(release, { major: 6, minor: 1, patch: 0 });
}
