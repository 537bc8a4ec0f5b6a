import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateCreate, validateUpdate } from './index.ts';
import { at, defaulted, messages, runCases } from './test-util.ts';
import type { Case, Json } from './test-util.ts';

/** `kubectl create role r --verb=get --resource=pods`. */
const ROLE: Json = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'r', namespace: 'default' },
  rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
};
const rule0 = (o: Json): Json => at(o, 'rules', 0);

const roleCases: Case[] = [
  { name: 'valid role', mutate: () => undefined, expected: [] },
  {
    name: 'verbs required',
    mutate: (o) => (rule0(o).verbs = []),
    expected: ['rules[0].verbs: Required value: verbs must contain at least one value'],
  },
  {
    name: 'apiGroups and resources required',
    mutate: (o) => {
      delete rule0(o).apiGroups;
      delete rule0(o).resources;
    },
    expected: [
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[0].resources: Required value: resource rules must supply at least one resource',
    ],
  },
  {
    name: 'nonResourceURLs not in namespaced roles',
    mutate: (o) => (o.rules = [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }]),
    expected: [
      'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
    ],
  },
];

void describe('role validation', () => {
  runCases(ROLE, roleCases, validateCreate, it);
  it('cluster roles may use nonResourceURLs, but not mixed with resources', () => {
    const cr: Json = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'c' },
      rules: [
        { verbs: ['get'], nonResourceURLs: ['/healthz'] },
        { verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] },
      ],
    };
    assert.deepEqual(messages(validateCreate(defaulted(cr))), [
      'rules[1].nonResourceURLs: Invalid value: ["/x"]: rules cannot apply to both regular resources and non-resource URLs',
    ]);
  });
  it('aggregation rule needs selectors', () => {
    const cr: Json = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'c' },
      aggregationRule: { clusterRoleSelectors: [] },
    };
    assert.deepEqual(messages(validateCreate(defaulted(cr))), [
      'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
    ]);
  });
});

/** `kubectl create rolebinding rb --role=r --user=alice --serviceaccount=default:sa`. */
const BINDING: Json = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'rb', namespace: 'default' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
  subjects: [
    { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
    { kind: 'ServiceAccount', name: 'sa', namespace: 'default' },
  ],
};

const bindingCases: Case[] = [
  { name: 'valid role binding', mutate: () => undefined, expected: [] },
  {
    name: 'roleRef kind not supported',
    mutate: (o) => (at(o, 'roleRef').kind = 'Group'),
    expected: ['roleRef.kind: Unsupported value: "Group": supported values: "Role", "ClusterRole"'],
  },
  {
    name: 'roleRef apiGroup and name',
    mutate: (o) => {
      at(o, 'roleRef').apiGroup = 'rbac';
      at(o, 'roleRef').name = '';
    },
    expected: [
      'roleRef.apiGroup: Unsupported value: "rbac": supported values: "rbac.authorization.k8s.io"',
      'roleRef.name: Required value',
    ],
  },
  {
    name: 'subject kind and names',
    mutate: (o) =>
      (o.subjects = [
        { kind: 'Robot', name: 'r2' },
        { kind: 'ServiceAccount', name: '', apiGroup: 'x' },
        { kind: 'User', name: 'bob', apiGroup: '' },
      ]),
    expected: [
      'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      'subjects[1].name: Required value',
      'subjects[1].apiGroup: Unsupported value: "x": supported values: ""',
      'subjects[2].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
    ],
  },
];

void describe('role binding validation', () => {
  runCases(BINDING, bindingCases, validateCreate, it);
  it('roleRef is immutable', () => {
    const old = defaulted(BINDING);
    const obj = structuredClone(old);
    at(obj, 'roleRef').name = 'other';
    assert.deepEqual(messages(validateUpdate(obj, old)), [
      'roleRef: Invalid value: {"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"other"}: cannot change roleRef',
    ]);
  });
  it('cluster role bindings need ClusterRole and subject namespaces', () => {
    const crb: Json = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'crb' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
      subjects: [{ kind: 'ServiceAccount', name: 'sa' }],
    };
    assert.deepEqual(messages(validateCreate(defaulted(crb))), [
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[0].namespace: Required value',
    ]);
  });
});
