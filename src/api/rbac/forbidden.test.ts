import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbiddenError, forbiddenMessage } from './forbidden.ts';
import type { AuthorizationAttributes } from './types.ts';

const alice = { username: 'alice', groups: ['system:authenticated'] };

test('forbiddenMessage: namespaced, cluster, subresource, path, service account', () => {
  const table: [AuthorizationAttributes, string][] = [
    [
      { user: alice, verb: 'list', resourceRequest: true, resource: 'pods', namespace: 'dev' },
      'User "alice" cannot list resource "pods" in API group "" in the namespace "dev"',
    ],
    [
      {
        user: alice,
        verb: 'get',
        resourceRequest: true,
        apiGroup: 'apps',
        resource: 'deployments',
        name: 'web',
        namespace: 'dev',
      },
      'User "alice" cannot get resource "deployments" in API group "apps" in the namespace "dev"',
    ],
    [
      { user: alice, verb: 'list', resourceRequest: true, resource: 'nodes' },
      'User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
    ],
    [
      {
        user: alice,
        verb: 'get',
        resourceRequest: true,
        resource: 'pods',
        subresource: 'log',
        name: 'p',
        namespace: 'dev',
      },
      'User "alice" cannot get resource "pods/log" in API group "" in the namespace "dev"',
    ],
    [
      { user: alice, verb: 'get', resourceRequest: false, path: '/metrics' },
      'User "alice" cannot get path "/metrics"',
    ],
    [
      {
        user: { username: 'system:serviceaccount:dev:bot', groups: [] },
        verb: 'watch',
        resourceRequest: true,
        apiGroup: 'rbac.authorization.k8s.io',
        resource: 'roles',
        namespace: 'dev',
      },
      'User "system:serviceaccount:dev:bot" cannot watch resource "roles" in API group "rbac.authorization.k8s.io" in the namespace "dev"',
    ],
  ];
  for (const [a, want] of table) assert.equal(forbiddenMessage(a), want);
});

test('forbiddenError: Status message with resource, name and reason', () => {
  const e = forbiddenError(
    {
      user: alice,
      verb: 'get',
      resourceRequest: true,
      apiGroup: 'apps',
      resource: 'deployments',
      name: 'web',
      namespace: 'dev',
    },
    'RBAC: clusterrole.rbac.authorization.k8s.io "x" not found',
  );
  assert.equal(e.status.code, 403);
  assert.equal(
    e.status.message,
    'deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments" in API group "apps" in the namespace "dev": RBAC: clusterrole.rbac.authorization.k8s.io "x" not found',
  );
  const nr = forbiddenError(
    {
      user: { username: 'system:anonymous', groups: [] },
      verb: 'get',
      resourceRequest: false,
      path: '/',
    },
    '',
  );
  assert.equal(nr.status.message, 'forbidden: User "system:anonymous" cannot get path "/"');
  const list = forbiddenError(
    { user: alice, verb: 'list', resourceRequest: true, resource: 'pods', namespace: 'dev' },
    '',
  );
  assert.equal(
    list.status.message,
    'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "dev"',
  );
});

test('forbiddenError escapes HTML in the message but not in the reason', () => {
  const e = forbiddenError(
    { user: { username: '<b>&', groups: [] }, verb: 'get', resourceRequest: false, path: '/x' },
    '<r>',
  );
  assert.equal(e.status.message, 'forbidden: User "&lt;b&gt;&amp;" cannot get path "/x": <r>');
});
