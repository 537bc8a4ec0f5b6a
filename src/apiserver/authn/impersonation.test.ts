import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../api/index.ts';
import type { UserInfo } from '../user.ts';
import {
  headerMapFromRaw,
  impersonate,
  isImpersonationHeader,
  type ImpersonationAttributes,
} from './impersonation.ts';

const alice: UserInfo = { username: 'alice', groups: ['devs', 'system:authenticated'] };

/** Records every check; allows what `allow` says. */
function authorizer(allow: (a: ImpersonationAttributes) => boolean): {
  calls: Omit<ImpersonationAttributes, 'user'>[];
  fn: (a: ImpersonationAttributes) => { allowed: boolean };
} {
  const calls: Omit<ImpersonationAttributes, 'user'>[] = [];
  return {
    calls,
    fn: (a) => {
      const { user: _u, ...rest } = a;
      calls.push(rest);
      return { allowed: allow(a) };
    },
  };
}

const attrs = (
  resource: string,
  name: string,
  extra: Partial<ImpersonationAttributes> = {},
): Omit<ImpersonationAttributes, 'user'> => ({
  verb: 'impersonate',
  apiGroup: '',
  apiVersion: 'v1',
  resource,
  subresource: '',
  namespace: '',
  name,
  resourceRequest: true,
  ...extra,
});

test('no impersonation headers: nothing happens, nothing is checked', async () => {
  const a = authorizer(() => true);
  assert.equal(await impersonate(headerMapFromRaw(['Accept', '*/*']), alice, a.fn), undefined);
  assert.deepEqual(a.calls, []);
});

test('impersonation requests are authorised one by one, in upstream order', async (t) => {
  const cases: {
    name: string;
    raw: string[];
    want: UserInfo;
    calls: Omit<ImpersonationAttributes, 'user'>[];
  }[] = [
    {
      name: 'user',
      raw: ['Impersonate-User', 'bob'],
      want: { username: 'bob', groups: ['system:authenticated'] },
      calls: [attrs('users', 'bob')],
    },
    {
      name: 'user and repeated groups',
      raw: ['Impersonate-User', 'bob', 'Impersonate-Group', 'ops', 'impersonate-group', 'qa'],
      want: { username: 'bob', groups: ['ops', 'qa', 'system:authenticated'] },
      calls: [attrs('users', 'bob'), attrs('groups', 'ops'), attrs('groups', 'qa')],
    },
    {
      name: 'explicit system:authenticated is not doubled',
      raw: ['Impersonate-User', 'bob', 'Impersonate-Group', 'system:authenticated'],
      want: { username: 'bob', groups: ['system:authenticated'] },
      calls: [attrs('users', 'bob'), attrs('groups', 'system:authenticated')],
    },
    {
      name: 'service account gets its groups',
      raw: ['Impersonate-User', 'system:serviceaccount:dev:builder'],
      want: {
        username: 'system:serviceaccount:dev:builder',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated'],
      },
      calls: [attrs('serviceaccounts', 'builder', { namespace: 'dev' })],
    },
    {
      name: 'service account with explicit groups uses only those',
      raw: ['Impersonate-User', 'system:serviceaccount:dev:builder', 'Impersonate-Group', 'x'],
      want: {
        username: 'system:serviceaccount:dev:builder',
        groups: ['x', 'system:authenticated'],
      },
      calls: [attrs('serviceaccounts', 'builder', { namespace: 'dev' }), attrs('groups', 'x')],
    },
    {
      name: 'a malformed service account name is a plain user',
      raw: ['Impersonate-User', 'system:serviceaccount:Dev:a:b'],
      want: { username: 'system:serviceaccount:Dev:a:b', groups: ['system:authenticated'] },
      calls: [attrs('users', 'system:serviceaccount:Dev:a:b')],
    },
    {
      name: 'anonymous gets system:unauthenticated',
      raw: ['Impersonate-User', 'system:anonymous'],
      want: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
      calls: [attrs('users', 'system:anonymous')],
    },
    {
      name: 'extras (percent-decoded keys) and uid',
      raw: [
        'Impersonate-User',
        'bob',
        'Impersonate-Extra-Scopes',
        'view',
        'Impersonate-Extra-Scopes',
        'edit',
        'Impersonate-Extra-example.org%2Fteam',
        'a',
        'Impersonate-Uid',
        '1234',
      ],
      want: {
        username: 'bob',
        uid: '1234',
        groups: ['system:authenticated'],
        extra: { 'example.org/team': ['a'], scopes: ['view', 'edit'] },
      },
      calls: [
        attrs('users', 'bob'),
        attrs('userextras', 'a', {
          apiGroup: 'authentication.k8s.io',
          subresource: 'example.org/team',
        }),
        attrs('userextras', 'view', { apiGroup: 'authentication.k8s.io', subresource: 'scopes' }),
        attrs('userextras', 'edit', { apiGroup: 'authentication.k8s.io', subresource: 'scopes' }),
        attrs('uids', '1234', { apiGroup: 'authentication.k8s.io' }),
      ],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const a = authorizer(() => true);
      assert.deepEqual(await impersonate(headerMapFromRaw(c.raw), alice, a.fn), c.want);
      assert.deepEqual(a.calls, c.calls);
    });
  }
});

test('denials read like upstream', async (t) => {
  const cases: {
    name: string;
    raw: string[];
    allow: (a: ImpersonationAttributes) => boolean;
    message: string;
  }[] = [
    {
      name: 'user',
      raw: ['Impersonate-User', 'bob'],
      allow: () => false,
      message:
        'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
    },
    {
      name: 'group after an allowed user',
      raw: ['Impersonate-User', 'bob', 'Impersonate-Group', 'system:masters'],
      allow: (a) => a.resource === 'users',
      message:
        'groups "system:masters" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope',
    },
    {
      name: 'service account',
      raw: ['Impersonate-User', 'system:serviceaccount:kube-system:default'],
      allow: () => false,
      message:
        'serviceaccounts "default" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"',
    },
    {
      name: 'extra',
      raw: ['Impersonate-User', 'bob', 'Impersonate-Extra-scopes', 'admin'],
      allow: (a) => a.resource !== 'userextras',
      message:
        'userextras.authentication.k8s.io "admin" is forbidden: User "alice" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope',
    },
    {
      name: 'uid',
      raw: ['Impersonate-User', 'bob', 'Impersonate-Uid', 'u-1'],
      allow: (a) => a.resource !== 'uids',
      message:
        'uids.authentication.k8s.io "u-1" is forbidden: User "alice" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope',
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      await assert.rejects(
        impersonate(headerMapFromRaw(c.raw), alice, (a) => ({ allowed: c.allow(a) })),
        (err: unknown) => {
          assert.ok(err instanceof StatusError);
          assert.equal(err.status.code, 403);
          assert.equal(err.status.reason, 'Forbidden');
          assert.equal(err.message, c.message);
          return true;
        },
      );
    });
  }
});

test('a denial reason is appended', async () => {
  await assert.rejects(
    impersonate(headerMapFromRaw(['Impersonate-User', 'bob']), alice, () => ({
      allowed: false,
      reason: 'RBAC: role "x" not found',
    })),
    {
      message:
        'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope: RBAC: role "x" not found',
    },
  );
});

test('groups, extras or uid without a user fail before any check', async () => {
  const a = authorizer(() => true);
  await assert.rejects(
    impersonate(
      headerMapFromRaw(['Impersonate-Group', 'system:masters', 'Impersonate-Uid', 'u']),
      alice,
      a.fn,
      '/api/v1/pods',
    ),
    (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.equal(err.status.code, 500);
      assert.equal(
        err.message,
        'Internal Server Error: "/api/v1/pods": requested [{Group  system:masters    } {UID  u  authentication.k8s.io/v1  }] without impersonating a user',
      );
      return true;
    },
  );
  assert.deepEqual(a.calls, []);
});

test('isImpersonationHeader', () => {
  for (const h of [
    'Impersonate-User',
    'impersonate-group',
    'Impersonate-Uid',
    'Impersonate-Extra-x',
  ]) {
    assert.ok(isImpersonationHeader(h), h);
  }
  assert.ok(!isImpersonationHeader('Authorization'));
});
