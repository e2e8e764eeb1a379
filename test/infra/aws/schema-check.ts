import {
  ARCHIVE_FILE, schemaOf as moduleSchemaOf, schemaProblems as moduleSchemaProblems, type ModuleSchemas,
} from '../schema-check.js';
import { awsProvider, type SchemaKind, type TypeSchema } from './provider-schema.js';
import type { TerraformFile } from './terraform-files.js';

/** The providers infra/aws uses: hashicorp/aws and hashicorp/archive. */
export const AWS_MODULE_SCHEMAS: ModuleSchemas = { providers: [awsProvider], others: new Map([['data archive_file', ARCHIVE_FILE]]) };

/** The schema of a resource or data source type of the providers this module uses. */
export function schemaOf(kind: SchemaKind, type: string): TypeSchema | undefined {
  return moduleSchemaOf(AWS_MODULE_SCHEMAS, kind, type);
}

/**
 * Every resource and data source type, argument and nested block of the given files, checked
 * against the provider schemas; module calls against the module's variables. Empty: all known.
 */
export function schemaProblems(files: readonly TerraformFile[]): string[] {
  return moduleSchemaProblems(files, AWS_MODULE_SCHEMAS);
}
