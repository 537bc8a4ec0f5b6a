import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clientset, GroupVersionResource, KubeObject } from '../../client/index.ts';
import {
  requestAttributes,
  subjectAccessReviewAuthorizer,
  tokenReviewAuthenticator,
} from './auth.ts';

const alice = { name: 'alice', groups: ['system:authenticated'] };

test('subresource per path, as upstream TestAuthFilters (server_test.go)', () => {
  const cases: Record<string, string> = {
    '/': 'proxy',
    '/attach/ns/pod/c': 'proxy',
    '/attach/ns/pod/uid/c': 'proxy',
    '/configz': 'proxy',
    '/containerLogs/ns/pod/c': 'proxy',
    '/exec/ns/pod/c': 'proxy',
    '/exec/ns/pod/uid/c': 'proxy',
    '/healthz': 'proxy',
    '/healthz/ping': 'proxy',
    '/logs/': 'log',
    '/logs/syslog': 'log',
    '/metrics': 'metrics',
    '/metrics/cadvisor': 'metrics',
    '/metrics/probes': 'metrics',
    '/metrics/resource': 'metrics',
    '/pods/': 'proxy',
    '/portForward/ns/pod': 'proxy',
    '/portForward/ns/pod/uid': 'proxy',
    '/runningpods/': 'proxy',
    '/stats/': 'stats',
    '/stats/summary': 'stats',
    // Prefixes must end at a path boundary.
    '/statsx': 'proxy',
    '/metricsfoo': 'proxy',
  };
  for (const [path, sub] of Object.entries(cases)) {
    const a = requestAttributes(alice, 'GET', path, 'node-1');
    assert.equal(a.subresource, sub, path);
    assert.deepEqual(
      [a.resource, a.name, a.namespace, a.apiGroup, a.apiVersion],
      ['nodes', 'node-1', '', '', 'v1'],
    );
  }
  const verbs = ['POST', 'GET', 'PUT', 'PATCH', 'DELETE', 'HEAD'].map(
    (m) => requestAttributes(alice, m, '/', 'n').verb,
  );
  assert.deepEqual(verbs, ['create', 'get', 'update', 'patch', 'delete', '']);
});

/** A clientset whose `create` answers from `answer` and records the bodies. */
function stubClientset(answer: (gvr: GroupVersionResource, body: KubeObject) => KubeObject): {
  cs: Clientset;
  bodies: KubeObject[];
} {
  const bodies: KubeObject[] = [];
  const cs = {
    resource: (gvr: GroupVersionResource) => ({
      gvr,
      create: (_ns: string, body: KubeObject) => {
        bodies.push(body);
        return Promise.resolve(answer(gvr, body));
      },
    }),
  } as unknown as Clientset;
  return { cs, bodies };
}

test('TokenReview authenticator: user from the status, cached for 2 minutes', async () => {
  let now = 0;
  const { cs, bodies } = stubClientset((gvr, body) => {
    assert.equal(gvr.resource, 'tokenreviews');
    const token = (body as { spec: { token: string } }).spec.token;
    return {
      status:
        token === 'good'
          ? {
              authenticated: true,
              user: { username: 'bob', uid: 'u1', groups: ['g1', 'system:authenticated'] },
            }
          : { authenticated: false, error: 'invalid bearer token' },
    } as KubeObject;
  });
  const authn = tokenReviewAuthenticator(cs, { now: () => now });
  assert.deepEqual(await authn('good'), {
    name: 'bob',
    uid: 'u1',
    groups: ['g1', 'system:authenticated'],
  });
  assert.equal(await authn('bad'), undefined);
  assert.deepEqual(bodies[0], {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    spec: { token: 'good' },
  });
  await authn('good');
  assert.equal(bodies.length, 2);
  now = 121_000;
  await authn('good');
  assert.equal(bodies.length, 3);
});

test('SubjectAccessReview authorizer: nodes/<sub> of the node, cached 5 min / 30 s', async () => {
  let now = 0;
  let allow = true;
  const { cs, bodies } = stubClientset(
    () => ({ status: { allowed: allow, reason: allow ? 'ok' : 'no' } }) as KubeObject,
  );
  const authz = subjectAccessReviewAuthorizer(cs, { now: () => now });
  const attrs = requestAttributes(alice, 'POST', '/exec/ns/p/c', 'node-1');
  assert.deepEqual(await authz(attrs), { allowed: true, reason: 'ok' });
  assert.deepEqual(bodies[0], {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      resourceAttributes: {
        namespace: '',
        verb: 'create',
        group: '',
        version: 'v1',
        resource: 'nodes',
        subresource: 'proxy',
        name: 'node-1',
      },
      user: 'alice',
      groups: ['system:authenticated'],
    },
  });
  allow = false;
  now = 299_000;
  assert.equal((await authz(attrs)).allowed, true);
  now = 301_000;
  assert.equal((await authz(attrs)).allowed, false);
  allow = true;
  now = 320_000;
  assert.equal((await authz(attrs)).allowed, false);
  now = 332_000;
  assert.equal((await authz(attrs)).allowed, true);
});
