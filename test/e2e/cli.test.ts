/**
 * The `./skiff` launcher and CLI, run as a user would (bash launcher → build → node).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

const run = promisify(execFile);
const skiff = fileURLToPath(new URL('../../skiff', import.meta.url));
const pkg = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'),
) as { version: string };

describe('skiff CLI', () => {
  it('prints its version, the Kubernetes API version and Node.js', async () => {
    const { stdout } = await run(skiff, ['version'], { timeout: 120_000 });
    assert.match(stdout, new RegExp(`^Skiff v${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(stdout, /^Kubernetes API v1\.\d+\.\d+/m);
    assert.match(stdout, new RegExp(`Node\\.js ${process.version.replace(/\./g, '\\.')}`));
  });

  it('prints version information as JSON', async () => {
    const { stdout } = await run(skiff, ['version', '-o', 'json'], { timeout: 60_000 });
    const info = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(info['skiff'], `v${pkg.version}`);
    assert.match(String(info['kubernetes']), /^v1\.\d+\./);
  });

  it('lists its commands in help', async () => {
    const { stdout } = await run(skiff, ['help'], { timeout: 60_000 });
    assert.match(stdout, /Usage: skiff/);
    assert.match(stdout, /^\s+version\b/m);
    assert.match(stdout, /--data-dir/);
  });

  it('rejects an unknown command with a non-zero exit and a message', async () => {
    await assert.rejects(run(skiff, ['frobnicate'], { timeout: 60_000 }), (err: unknown) => {
      const e = err as { code?: number; stderr?: string };
      assert.notEqual(e.code, 0);
      assert.match(e.stderr ?? '', /unknown command 'frobnicate'/);
      return true;
    });
  });
});
