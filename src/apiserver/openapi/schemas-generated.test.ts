/**
 * The committed schemas.generated.json must be exactly what the generator produces from the
 * installed kubernetes-types and our patch metadata, so it never goes stale. On failure run
 * `node --import tsx scripts/gen-openapi/generate.ts` and commit the result.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderGeneratedFile } from '../../../scripts/gen-openapi/build.ts';

it('schemas.generated.json is up to date with its generator', async () => {
  const committed = readFileSync(new URL('./schemas.generated.json', import.meta.url), 'utf8');
  const fresh = await renderGeneratedFile();
  assert.ok(
    committed === fresh,
    'schemas.generated.json is stale: run node --import tsx scripts/gen-openapi/generate.ts',
  );
});
