import { join } from 'node:path';
import { REPO_ROOT, terraformFilesUnder, type TerraformFile } from '../terraform-files.js';

export { REPO_ROOT, blocksOf, moduleBlock, moduleLocals, nested, parseHcl } from '../terraform-files.js';
export type { Block, HclDocument, TerraformFile } from '../terraform-files.js';

/** The module under test. */
export const MODULE_DIR = join(REPO_ROOT, 'infra/aws');

/** Every `.tf` under infra/aws, examples included, parsed once per test file. */
export function terraformFiles(): Promise<TerraformFile[]> {
  return terraformFilesUnder(MODULE_DIR);
}
