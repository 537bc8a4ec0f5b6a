import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenRequest } from 'kubernetes-types/authentication/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  TokenManager,
  prefetchProjectedTokens,
  serviceAccountTokenRequest,
  tokenRefreshAt,
  tokenRequiresRefresh,
} from './token.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const start = Date.parse('2026-01-01T00:00:00Z');

function issued(expMs: number, seconds: number | undefined, token = 't'): TokenRequest {
  return {
    spec: { audiences: [], ...(seconds !== undefined ? { expirationSeconds: seconds } : {}) },
    status: { token, expirationTimestamp: new Date(expMs).toISOString() },
  };
}

describe('tokenRequiresRefresh (upstream TestRequiresRefresh)', () => {
  const cases: Array<[number, number, boolean, boolean?]> = [
    [start + 10 * MIN, start + 60 * MIN, false],
    [start + 50 * MIN, start + 60 * MIN, true],
    [start + 25 * HOUR, start + 60 * HOUR, true],
    [start + 70 * MIN, start + 60 * MIN, true],
    [start, start + 60 * MIN, false, true],
  ];
  cases.forEach(([now, exp, want, noSeconds], i) => {
    it(String(i), () => {
      const secs = Math.trunc((exp - start) / 1000);
      assert.equal(
        tokenRequiresRefresh(issued(exp, noSeconds === true ? undefined : secs), now),
        want,
      );
    });
  });
  it('rotates at 80% of the TTL, or after 24h', () => {
    assert.equal(tokenRefreshAt(issued(start + HOUR, 3600)), start + 48 * MIN + 1);
    assert.equal(tokenRefreshAt(issued(start + 48 * HOUR, 48 * 3600)), start + 24 * HOUR + 1);
  });
});

describe('TokenManager', () => {
  const pod: Pod = {
    metadata: { name: 'web', namespace: 'ns', uid: 'pod-uid' },
    spec: {
      serviceAccountName: 'sa',
      containers: [],
      volumes: [
        {
          name: 'kube-api-access',
          projected: {
            sources: [
              { serviceAccountToken: { path: 'token', expirationSeconds: 3600, audience: 'api' } },
            ],
          },
        },
      ],
    },
  };
  const projection = pod.spec?.volumes?.[0]?.projected?.sources?.[0]?.serviceAccountToken;
  assert.ok(projection);

  it('builds a bound TokenRequest', () => {
    assert.deepEqual(serviceAccountTokenRequest(pod, projection).spec, {
      audiences: ['api'],
      expirationSeconds: 3600,
      boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'pod-uid' },
    });
  });

  it('caches, refreshes after 80%, keeps a valid token when refresh fails', async () => {
    let now = start;
    let calls = 0;
    let fail = false;
    const mgr = new TokenManager({
      now: () => now,
      random: () => 0,
      fetch: (name, namespace, tr) => {
        calls++;
        assert.equal(name, 'sa');
        assert.equal(namespace, 'ns');
        if (fail) return Promise.reject(new Error('apiserver down'));
        return Promise.resolve({
          ...tr,
          status: {
            token: `tok-${String(calls)}`,
            expirationTimestamp: new Date(now + HOUR).toISOString(),
          },
        });
      },
    });
    const tr = serviceAccountTokenRequest(pod, projection);
    assert.equal((await mgr.getServiceAccountToken('ns', 'sa', tr)).status?.token, 'tok-1');
    now += 10 * MIN;
    assert.equal((await mgr.getServiceAccountToken('ns', 'sa', tr)).status?.token, 'tok-1');
    assert.equal(calls, 1);
    now = start + 49 * MIN;
    fail = true;
    assert.equal((await mgr.getServiceAccountToken('ns', 'sa', tr)).status?.token, 'tok-1');
    now = start + 61 * MIN;
    await assert.rejects(
      mgr.getServiceAccountToken('ns', 'sa', tr),
      /expired and refresh failed: apiserver down/,
    );
    fail = false;
    assert.equal((await mgr.getServiceAccountToken('ns', 'sa', tr)).status?.token, 'tok-4');
    mgr.deleteServiceAccountToken('pod-uid');
    assert.equal(mgr.size, 0);
  });

  it('first fetch failure is "failed to fetch token"', async () => {
    const mgr = new TokenManager({ fetch: () => Promise.reject(new Error('forbidden')) });
    await assert.rejects(
      mgr.getServiceAccountToken('ns', 'sa', serviceAccountTokenRequest(pod, projection)),
      {
        message: 'failed to fetch token: forbidden',
      },
    );
  });

  it('prefetches projected tokens for the payload builder', async () => {
    const mgr = new TokenManager({
      now: () => start,
      fetch: (_n, _ns, tr) =>
        Promise.resolve({
          ...tr,
          status: { token: 'abc', expirationTimestamp: new Date(start + HOUR).toISOString() },
        }),
    });
    const { token, refreshAt } = await prefetchProjectedTokens(pod, mgr);
    assert.equal(token(projection), 'abc');
    assert.equal(refreshAt, start + 48 * MIN + 1);
  });
});
