import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_BIND_ADDRESS, DEFAULT_PORT, parseServerCommandLine } from './server-flags.ts';

describe('parseServerCommandLine (the commander-free start path)', () => {
  it('parses server and up flags in both --flag value and --flag=value forms', () => {
    assert.deepEqual(
      parseServerCommandLine(
        ['server', '--data-dir', '/d', '--bind-address=127.0.0.1', '--port', '0'],
        {},
      ),
      {
        verb: 'server',
        flags: { dataDir: '/d', bindAddress: '127.0.0.1', port: 0, datastoreEndpoint: undefined },
      },
    );
    assert.deepEqual(parseServerCommandLine(['up', '--datastore-endpoint=memory://'], {}), {
      verb: 'up',
      flags: {
        dataDir: undefined,
        bindAddress: DEFAULT_BIND_ADDRESS,
        port: DEFAULT_PORT,
        datastoreEndpoint: 'memory://',
      },
    });
  });

  it('takes SKIFF_DATA_DIR and SKIFF_DATASTORE_ENDPOINT unless a flag overrides them', () => {
    const env = { SKIFF_DATA_DIR: '/env', SKIFF_DATASTORE_ENDPOINT: 'memory://' };
    assert.equal(parseServerCommandLine(['server'], env)?.flags.dataDir, '/env');
    assert.equal(parseServerCommandLine(['server'], env)?.flags.datastoreEndpoint, 'memory://');
    assert.equal(parseServerCommandLine(['server', '--data-dir', '/x'], env)?.flags.dataDir, '/x');
  });

  it('leaves everything else to commander (help, errors, other verbs)', () => {
    for (const argv of [
      [],
      ['version'],
      ['server', '--help'],
      ['server', '-h'],
      ['server', '--port', '70000'],
      ['server', '--port', 'abc'],
      ['server', '--bind-address', 'localhost'],
      ['server', '--nope'],
      ['server', 'extra'],
      ['server', '--data-dir'],
      ['agent', '--server', 'x'],
    ]) {
      assert.equal(parseServerCommandLine(argv, {}), undefined, argv.join(' '));
    }
  });
});
