import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { DEFERRED_EXTRA_CA_ENV, defaultTrustedCAs } from './tls-roots.ts';

test('nothing deferred: undefined, so Node keeps its own defaults', () => {
  assert.equal(defaultTrustedCAs({}), undefined);
  assert.equal(defaultTrustedCAs({ [DEFERRED_EXTRA_CA_ENV]: '' }), undefined);
});

test('deferred extra certificates: the bundled roots plus every PEM certificate of the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-tls-roots-'));
  try {
    const [a, b] = rootCertificates;
    if (a === undefined || b === undefined) assert.fail('no bundled roots');
    const file = join(dir, 'extra.pem');
    writeFileSync(file, `# a comment\n${a}\nnot a certificate\n${b}\n`);
    const warnings: string[] = [];
    const cas = defaultTrustedCAs({ [DEFERRED_EXTRA_CA_ENV]: file }, (m) => warnings.push(m));
    assert.deepEqual(cas, [...rootCertificates, a, b]);
    assert.equal(warnings.length, 0);

    const missing = join(dir, 'missing.pem');
    const onlyRoots = defaultTrustedCAs({ [DEFERRED_EXTRA_CA_ENV]: missing }, (m) =>
      warnings.push(m),
    );
    assert.deepEqual(onlyRoots, rootCertificates);
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0]), /^Ignoring extra certs from `.*missing\.pem`, load failed: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
