import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DsnError, openStorage, parseDsn } from './dsn.ts';
import type { Dsn } from './dsn.ts';
import type { StoredObject } from './interface.ts';

describe('parseDsn', () => {
  const good: [string, Dsn][] = [
    ['memory://', { driver: 'memory' }],
    ['memory', { driver: 'memory' }],
    ['sqlite:///var/lib/skiff/state.db', { driver: 'sqlite', path: '/var/lib/skiff/state.db' }],
    ['sqlite://data/state.db', { driver: 'sqlite', path: 'data/state.db' }],
    ['sqlite://./state.db?_journal=WAL', { driver: 'sqlite', path: './state.db' }],
    ['etcd://127.0.0.1:2379', { driver: 'etcd', endpoints: ['http://127.0.0.1:2379'] }],
    ['etcd://localhost', { driver: 'etcd', endpoints: ['http://localhost:2379'] }],
    [
      'etcd://10.0.0.1:2379,10.0.0.2:2380',
      { driver: 'etcd', endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2380'] },
    ],
    ['etcd://[::1]:2379', { driver: 'etcd', endpoints: ['http://[::1]:2379'] }],
    ['etcds://e1:2379', { driver: 'etcd', endpoints: ['https://e1:2379'] }],
    [
      'etcd://e1:2379?ca=/pki/ca.pem&cert=/pki/c.pem&key=/pki/k.pem',
      {
        driver: 'etcd',
        endpoints: ['https://e1:2379'],
        tls: { ca: '/pki/ca.pem', cert: '/pki/c.pem', key: '/pki/k.pem' },
      },
    ],
    [
      'https://10.0.0.1:2379,https://10.0.0.2:2379?ca=ca.pem',
      {
        driver: 'etcd',
        endpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'],
        tls: { ca: 'ca.pem' },
      },
    ],
    ['http://127.0.0.1:2379/', { driver: 'etcd', endpoints: ['http://127.0.0.1:2379'] }],
  ];
  for (const [dsn, expected] of good) {
    it(`parses ${dsn}`, () => {
      assert.deepEqual(parseDsn(dsn), expected);
    });
  }

  const bad: [string, RegExp][] = [
    ['', /missing scheme/],
    ['/var/lib/state.db', /missing scheme/],
    ['postgres://u@h/db', /unknown scheme "postgres"/],
    ['memory://x', /takes no path/],
    ['sqlite://', /needs a file path/],
    ['etcd://', /no etcd hosts/],
    ['etcd://h:99999', /bad port/],
    ['etcd://h:2379/path', /bad etcd host/],
    ['etcd://h:2379?cert=c.pem', /cert and key must be given together/],
    ['etcd://h:2379?foo=1', /unknown etcd parameter "foo"/],
    ['etcd://h:2379?ca=', /parameter ca is empty/],
    ['etcd://h?ca=a&ca=b', /given twice/],
    ['https://h:2379,h2:2379', /bad etcd URL "h2:2379"/],
  ];
  for (const [dsn, message] of bad) {
    it(`rejects ${JSON.stringify(dsn)}`, () => {
      assert.throws(
        () => parseDsn(dsn),
        (err) =>
          err instanceof DsnError && message.test(err.message) && /expected/.test(err.message),
      );
    });
  }
});

describe('openStorage', () => {
  it('opens a working memory store', async () => {
    const s = await openStorage('memory://');
    try {
      assert.equal(s.name, 'memory');
      const input: StoredObject = { metadata: { name: 'a' } };
      const created = await s.create('/registry/things/a', input);
      assert.equal(created.metadata?.resourceVersion, '2');
    } finally {
      await s.close();
    }
  });
});
