/**
 * Regenerates src/apiserver/openapi/schemas.generated.json from the kubernetes-types declarations
 * and our patch metadata. Usage: `node --import tsx scripts/gen-openapi/generate.ts [--check]`
 * (`--check` exits 1 when the committed file is stale instead of writing it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_FILE, renderGeneratedFile } from './build.ts';

const path = join(import.meta.dirname, '..', '..', GENERATED_FILE);
const text = await renderGeneratedFile();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // missing: stale
  }
  if (current !== text) {
    console.error(
      `${GENERATED_FILE} is stale: run node --import tsx scripts/gen-openapi/generate.ts`,
    );
    process.exit(1);
  }
  console.log(`${GENERATED_FILE} is up to date`);
} else {
  writeFileSync(path, text);
  console.log(`wrote ${GENERATED_FILE} (${Buffer.byteLength(text)} bytes)`);
}
