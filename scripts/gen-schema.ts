/**
 * Writes schema/config.schema.json from the zod config schema. Run with `npm run schema`;
 * test/config/json-schema.test.ts fails when the file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { configJsonSchemaText } from '../src/config/json-schema.js';
import { configJsonSchemaPath } from '../src/config/paths.js';

const path = configJsonSchemaPath();
writeFileSync(path, configJsonSchemaText());
process.stdout.write(`wrote ${path}\n`);
