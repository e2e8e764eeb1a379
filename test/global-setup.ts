import { execFileSync } from 'node:child_process';

/** Builds the bundles once, so CLI tests run what users run. */
export default function setup(): void {
  execFileSync(process.execPath, ['build.mjs'], { stdio: 'inherit' });
}
