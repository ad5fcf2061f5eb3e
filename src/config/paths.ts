/** Where the package's own files are, wherever it runs from (src/ under vitest, dist/ after build). */
import { fileURLToPath } from 'node:url';

/**
 * The bundled example config, `config/endpoints.yaml` at the package root: the default when no
 * `--config` is given. Resolved from this module's location, never from the working directory.
 */
export function defaultConfigPath(): string {
  return fileURLToPath(new URL('../../config/endpoints.yaml', import.meta.url));
}

/** The generated JSON Schema of the config, `schema/config.schema.json` at the package root. */
export function configJsonSchemaPath(): string {
  return fileURLToPath(new URL('../../schema/config.schema.json', import.meta.url));
}
