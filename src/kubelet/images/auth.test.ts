import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from 'kubernetes-types/core/v1.js';
import {
  CredentialKeyring,
  decodeTokenResponse,
  keyringFromDockerConfig,
  keyringFromPullSecrets,
  parseAuthChallenges,
  planTokenRequest,
} from './auth.ts';

describe('parseAuthChallenges', () => {
  // Cases from distribution's registry/client/auth/challenge tests and real registries.
  it('parses a Docker Hub bearer challenge', () => {
    assert.deepEqual(
      parseAuthChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
      ),
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:library/busybox:pull',
          },
        },
      ],
    );
  });
  it('parses basic, unquoted values, spaces and escapes', () => {
    assert.deepEqual(parseAuthChallenges('Basic realm="Registry Realm"'), [
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
    ]);
    assert.deepEqual(parseAuthChallenges('Bearer realm=tok , service = "a\\"b"'), [
      { scheme: 'bearer', params: { realm: 'tok', service: 'a"b' } },
    ]);
  });
  it('splits several challenges in one value and in several headers', () => {
    assert.deepEqual(
      parseAuthChallenges('Basic realm="a", Bearer realm="b",service="s"').map((c) => c.scheme),
      ['basic', 'bearer'],
    );
    assert.deepEqual(
      parseAuthChallenges(['Basic realm="a"', 'Bearer realm="b"']).map((c) => c.params.realm),
      ['a', 'b'],
    );
    assert.deepEqual(parseAuthChallenges(''), []);
  });
});

describe('planTokenRequest', () => {
  const challenge = {
    scheme: 'bearer',
    params: { realm: 'https://auth.example/token', service: 'reg' },
  };
  it('asks anonymously with service and scope', () => {
    const r = planTokenRequest(challenge, ['repository:library/busybox:pull']);
    assert.equal(r.method, 'GET');
    assert.equal(
      r.url,
      'https://auth.example/token?service=reg&scope=repository%3Alibrary%2Fbusybox%3Apull',
    );
    assert.deepEqual(r.headers, {});
  });
  it('uses basic auth with a credential and an OAuth POST with an identity token', () => {
    const r = planTokenRequest(challenge, ['repository:a:pull'], {
      username: 'u',
      password: 'p',
    });
    assert.equal(r.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    const o = planTokenRequest(challenge, ['repository:a:pull'], {
      username: '<token>',
      password: '',
      identityToken: 'rt',
    });
    assert.equal(o.method, 'POST');
    assert.match(o.body ?? '', /grant_type=refresh_token&refresh_token=rt&service=reg/);
  });
  it('refuses a challenge without realm; decodes token responses', () => {
    assert.throws(() => planTokenRequest({ scheme: 'bearer', params: {} }, []));
    assert.deepEqual(decodeTokenResponse({ token: 't', expires_in: 300 }), {
      token: 't',
      expiresInSeconds: 300,
    });
    assert.deepEqual(decodeTokenResponse({ access_token: 'a' }), {
      token: 'a',
      expiresInSeconds: 60,
    });
    assert.throws(() => decodeTokenResponse({}));
  });
});

describe('CredentialKeyring (kubelet keyring rules)', () => {
  const c = (u: string) => ({ username: u, password: 'pw' });
  it('matches host globs, ports and path prefixes, most specific first', () => {
    const ring = new CredentialKeyring();
    ring.add('https://registry.example.com/v2/', c('host'));
    ring.add('registry.example.com/team', c('team'));
    ring.add('*.example.com', c('glob'));
    ring.add('127.0.0.1:5000', c('local'));
    assert.deepEqual(
      ring.lookup('registry.example.com/team/app').map((x) => x.username),
      ['team', 'host', 'glob'],
    );
    assert.deepEqual(
      ring.lookup('registry.example.com/other/app').map((x) => x.username),
      ['host', 'glob'],
    );
    assert.deepEqual(ring.lookup('a.b.example.com/x'), []); // globs do not span dots
    assert.deepEqual(
      ring.lookup('127.0.0.1:5000/probe/busybox').map((x) => x.username),
      ['local'],
    );
    assert.deepEqual(ring.lookup('127.0.0.1:5001/probe/busybox'), []);
  });
  it('uses index.docker.io credentials for Docker Hub images', () => {
    const ring = keyringFromDockerConfig({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hub:secret').toString('base64') },
      },
    });
    assert.deepEqual(ring.lookup('docker.io/library/busybox'), [
      { username: 'hub', password: 'secret' },
    ]);
    assert.deepEqual(ring.lookup('quay.io/x/y'), []);
  });
});

describe('keyringFromPullSecrets', () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
  it('reads .dockerconfigjson and .dockercfg secrets and ignores others', () => {
    const secrets: Secret[] = [
      {
        type: 'kubernetes.io/dockerconfigjson',
        data: {
          '.dockerconfigjson': b64({ auths: { 'reg.a:5000': { username: 'a', password: 'pa' } } }),
        },
      },
      {
        type: 'kubernetes.io/dockercfg',
        data: { '.dockercfg': b64({ 'reg.b': { auth: Buffer.from('b:pb').toString('base64') } }) },
      },
      { type: 'Opaque', data: { '.dockerconfigjson': b64({ auths: { 'reg.c': {} } }) } },
      { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': 'not json' } },
    ];
    const ring = keyringFromPullSecrets(secrets);
    assert.equal(ring.size, 2);
    assert.deepEqual(ring.lookup('reg.a:5000/x'), [{ username: 'a', password: 'pa' }]);
    assert.deepEqual(ring.lookup('reg.b/x'), [{ username: 'b', password: 'pb' }]);
    assert.deepEqual(ring.lookup('reg.c/x'), []);
  });
  it('skips an auth field without a colon', () => {
    const ring = keyringFromDockerConfig({
      auths: { x: { auth: Buffer.from('nocolon').toString('base64') } },
    });
    assert.equal(ring.size, 0);
  });
});
