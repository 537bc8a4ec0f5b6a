import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StatusError } from '../../api/index.ts';
import { forwardedHeaders } from './client.ts';
import { isGlobalUnicast, kubeletResponseError, parsePodProxyId } from './proxy.ts';

describe('parsePodProxyId (upstream SplitSchemeNamePort)', () => {
  const cases: [string, { scheme: string; name: string; port: string } | undefined][] = [
    ['web', { scheme: '', name: 'web', port: '' }],
    ['web:8080', { scheme: '', name: 'web', port: '8080' }],
    ['https:web:443', { scheme: 'https', name: 'web', port: '443' }],
    ['ftp:web:21', undefined],
    [':80', undefined],
    ['a:b:c:d', undefined],
  ];
  for (const [id, want] of cases) {
    it(id, () => {
      if (want === undefined) {
        assert.throws(() => parsePodProxyId(id), {
          message: `invalid pod request ${JSON.stringify(id)}`,
        });
      } else {
        assert.deepEqual(parsePodProxyId(id), want);
      }
    });
  }
});

describe('isGlobalUnicast (Go net.IP.IsGlobalUnicast)', () => {
  it('accepts pod addresses and refuses loopback, link-local, multicast and others', () => {
    for (const ip of ['10.244.0.5', '192.168.1.1', '8.8.8.8', 'fd00::1', '2001:db8::1']) {
      assert.equal(isGlobalUnicast(ip), true, ip);
    }
    for (const ip of [
      '',
      'x',
      '0.0.0.0',
      '127.0.0.1',
      '169.254.1.1',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fe80::1',
      'ff02::1',
    ]) {
      assert.equal(isGlobalUnicast(ip), false, ip);
    }
  });
});

describe('kubeletResponseError (upstream GenericHttpResponseChecker)', () => {
  const status = (e: StatusError): unknown => ({
    code: e.code,
    reason: e.reason,
    message: e.message,
  });
  it('keeps the kubelet text for 400 and 500', () => {
    assert.deepEqual(
      status(kubeletResponseError(400, 'pods/log', 'web', 'container "a" is waiting')),
      {
        code: 400,
        reason: 'BadRequest',
        message: 'container "a" is waiting',
      },
    );
    assert.deepEqual(status(kubeletResponseError(500, 'pods/log', 'web', 'boom')), {
      code: 500,
      reason: 'InternalError',
      message: 'Internal error occurred: boom',
    });
  });
  it('names the resource for other codes, and keeps the text of 403', () => {
    assert.deepEqual(status(kubeletResponseError(404, 'pods/log', 'web', 'x')), {
      code: 404,
      reason: 'NotFound',
      message: 'the server could not find the requested resource ( pods/log web)',
    });
    assert.equal(
      kubeletResponseError(403, 'pods/log', 'web', 'Forbidden (user=x)').message,
      'Forbidden (user=x) ( pods/log web)',
    );
  });
});

describe('forwardedHeaders', () => {
  it('drops credentials and hop-by-hop headers and appends X-Forwarded-For', () => {
    const out = forwardedHeaders(
      {
        authorization: 'Bearer secret',
        'impersonate-user': 'bob',
        host: 'api:6443',
        upgrade: 'websocket',
        connection: 'Upgrade',
        'sec-websocket-protocol':
          'base64url.bearer.authorization.k8s.io.c2VjcmV0, v5.channel.k8s.io',
        'x-forwarded-for': '10.0.0.9',
      },
      '127.0.0.1',
    );
    assert.deepEqual(out, {
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-protocol': 'v5.channel.k8s.io',
      'x-forwarded-for': '10.0.0.9, 127.0.0.1',
    });
  });
});
