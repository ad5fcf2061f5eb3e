/**
 * Writes docs/reference/metrics.md and docs/reference/errors.md from the metrics and error
 * catalogs. Run with `npm run docs:reference`; tests fail when a file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { errorsReferencePath, errorsReferenceText } from '../src/errors/reference.js';
import { metricsReferencePath, metricsReferenceText } from '../src/metrics/reference.js';

for (const [path, text] of [
  [metricsReferencePath(), metricsReferenceText()],
  [errorsReferencePath(), errorsReferenceText()],
]) {
  writeFileSync(path, text);
  process.stdout.write(`wrote ${path}\n`);
}
