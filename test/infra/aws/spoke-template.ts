import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MODULE_DIR, REPO_ROOT } from './terraform-files.js';

export const SPOKE_TEMPLATE_PATH = join(MODULE_DIR, 'spoke/netdrift-spoke.yaml');

/** The template as text, and as a document (written without short-form tags, so plain YAML reads it). */
export function spokeTemplate(): { text: string; doc: SpokeTemplate } {
  const text = readFileSync(SPOKE_TEMPLATE_PATH, 'utf8');
  return { text, doc: parse(text) as SpokeTemplate };
}

export interface SpokeTemplate {
  Parameters: Record<string, { Type: string; Default?: string }>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
  Outputs: Record<string, unknown>;
}

const SDK_SERVICE_PREFIX: Record<string, string> = {
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-route-53': 'route53',
  '@aws-sdk/client-route53resolver': 'route53resolver',
};

/**
 * The IAM actions the state readers call, from their source (adapters/aws/read-*.ts): each
 * `XCommand` and `paginateX` they import from an SDK client and use is the action `service:X`.
 */
export function readerActions(): string[] {
  const dir = join(REPO_ROOT, 'adapters/aws');
  const actions = new Set<string>();
  for (const file of readdirSync(dir).filter((name) => /^read-.*\.ts$/.test(name))) {
    const source = readFileSync(join(dir, file), 'utf8');
    for (const [, names = '', pkg = ''] of source.matchAll(/^import \{([^}]*)\} from '(@aws-sdk\/[\w-]+)';/gm)) {
      const prefix = SDK_SERVICE_PREFIX[pkg];
      if (!prefix) continue;
      for (const name of names.split(',').map((n) => n.trim()).filter((n) => n && !n.startsWith('type '))) {
        const action = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
        const used = source.split(new RegExp(`\\b${name}\\b`)).length > 2;
        if (action && used) actions.add(`${prefix}:${action}`);
      }
    }
  }
  return [...actions].sort();
}

/** cfn-lint's verdict on some templates (exit code and its report), or undefined when it is not installed. */
export function cfnLint(paths: string[]): Promise<{ code: number; report: string } | undefined> {
  if (spawnSync('cfn-lint', ['--version'], { stdio: 'ignore' }).status !== 0) {
    if (process.env.CI === 'true') throw new Error('cfn-lint is not installed (required under CI=true)');
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    execFile('cfn-lint', ['--format', 'parseable', ...paths], { encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, report: `${stdout}${stderr}` });
    });
  });
}
