import { referenceProblems as moduleReferenceProblems } from '../references.js';
import { AWS_MODULE_SCHEMAS } from './schema-check.js';
import type { TerraformFile } from './terraform-files.js';

/**
 * Every reference of every expression — `var.`, `local.`, resources, `data.`, `module.` outputs —
 * checked against what its configuration declares and what the provider lets it read.
 */
export function referenceProblems(files: readonly TerraformFile[]): string[] {
  return moduleReferenceProblems(files, AWS_MODULE_SCHEMAS);
}
