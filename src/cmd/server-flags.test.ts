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

describe('audit log rotation flags', () => {
  it('parses --audit-log-maxsize/-maxbackup/-maxage/-compress on both paths', async () => {
    const argv = [
      '--audit-log-maxsize',
      '1',
      '--audit-log-maxbackup=3',
      '--audit-log-maxage',
      '7',
      '--audit-log-compress',
    ];
    const want = {
      auditLogMaxSize: 1,
      auditLogMaxBackup: 3,
      auditLogMaxAge: 7,
      auditLogCompress: true,
    };
    const fast = parseServerCommandLine(['server', ...argv], {});
    assert.deepEqual(
      {
        auditLogMaxSize: fast?.flags.auditLogMaxSize,
        auditLogMaxBackup: fast?.flags.auditLogMaxBackup,
        auditLogMaxAge: fast?.flags.auditLogMaxAge,
        auditLogCompress: fast?.flags.auditLogCompress,
      },
      want,
    );
    // Not integers: commander reports them.
    assert.equal(parseServerCommandLine(['server', '--audit-log-maxsize', '1.5'], {}), undefined);

    const { Command } = await import('commander');
    const { addServerOptions, serverFlagsFrom } = await import('./server-options.ts');
    const cmd = addServerOptions(new Command('server')).exitOverride();
    cmd.parse(argv, { from: 'user' });
    const flags = serverFlagsFrom(cmd.opts());
    assert.deepEqual(
      {
        auditLogMaxSize: flags.auditLogMaxSize,
        auditLogMaxBackup: flags.auditLogMaxBackup,
        auditLogMaxAge: flags.auditLogMaxAge,
        auditLogCompress: flags.auditLogCompress,
      },
      want,
    );
    // Absent flags stay absent.
    const none = serverFlagsFrom(
      addServerOptions(new Command('server')).parse([], { from: 'user' }).opts(),
    );
    assert.equal('auditLogMaxSize' in none, false);
    assert.equal('auditLogCompress' in none, false);
  });
});
