import { cdktfProvider, type SchemaKind, type TypeSchema } from '../provider-schema.js';

export type { BlockSchema, SchemaKind, TypeSchema } from '../provider-schema.js';

/** hashicorp/aws as `@cdktf/provider-aws` declares it. */
export const awsProvider = cdktfProvider('aws');

/** The provider version the schema is from (what `@cdktf/provider-aws` was generated against). */
export function providerVersion(): string {
  return awsProvider.version();
}

/** The schema of `type`, or undefined when the provider has no such resource (or data source). */
export function providerSchema(kind: SchemaKind, type: string): TypeSchema | undefined {
  return awsProvider.schema(kind, type);
}
