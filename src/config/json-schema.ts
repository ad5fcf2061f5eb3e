/**
 * The JSON Schema of the config file, generated from {@link ConfigSchema} (the same definition the
 * validator uses) for editor help: `schema/config.schema.json`, written by `npm run schema`.
 */
import { z } from 'zod';
import { ConfigSchema } from './schema.js';

/** The `$id` of the generated schema. */
export const CONFIG_SCHEMA_ID =
  'https://github.com/privatelink-dns/privatelink-dns/schema/config.schema.json';

/**
 * The config's JSON Schema (draft 2020-12) as an object. It describes the input side (fields with
 * defaults are optional). Checks that need code (CIDRs, addresses, AWS's rules) are described in
 * the field descriptions; the validator remains the authority.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    $schema: schema.$schema,
    $id: CONFIG_SCHEMA_ID,
    title: 'privatelink-dns configuration',
    description:
      'Endpoints, VPCs and server settings of privatelink-dns. Generated from src/config/schema.ts by `npm run schema`; do not edit.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

/** The schema file's text: pretty JSON with a final newline. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
