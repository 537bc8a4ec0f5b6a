import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateCreate, validateStatusUpdate, validateUpdate } from './index.ts';
import { at, defaulted, messages, runCases } from './test-util.ts';
import type { Case, Json } from './test-util.ts';

/** `kubectl create deployment web --image=nginx` before defaulting. */
const DEPLOYMENT: Json = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    strategy: {},
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] },
    },
  },
};
const spec = (o: Json): Json => at(o, 'spec');

const deploymentCases: Case[] = [
  { name: 'valid deployment', mutate: () => undefined, expected: [] },
  {
    name: 'selector required',
    mutate: (o) => delete spec(o).selector,
    expected: [
      'spec.selector: Required value',
      // A nil selector converts to "nothing", which matches no labels.
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ],
  },
  {
    name: 'empty selector',
    mutate: (o) => (spec(o).selector = {}),
    // An empty selector selects everything, so the template labels match.
    expected: ['spec.selector: Invalid value: {}: empty selector is invalid for deployment'],
  },
  {
    name: 'template labels must match the selector',
    mutate: (o) => (at(o, 'spec', 'template', 'metadata').labels = { app: 'other' }),
    expected: [
      'spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`',
    ],
  },
  {
    name: 'negative replicas',
    mutate: (o) => (spec(o).replicas = -1),
    expected: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
  },
  {
    name: 'restartPolicy must be Always',
    mutate: (o) => (at(o, 'spec', 'template', 'spec').restartPolicy = 'OnFailure'),
    expected: [
      'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ],
  },
  {
    name: 'pod template spec is validated',
    mutate: (o) => (at(o, 'spec', 'template', 'spec', 'containers', 0).image = ''),
    expected: ['spec.template.spec.containers[0].image: Required value'],
  },
  {
    name: 'maxSurge and maxUnavailable both 0',
    mutate: (o) => (at(o, 'spec', 'strategy').rollingUpdate = { maxSurge: 0, maxUnavailable: 0 }),
    expected: [
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
    ],
  },
  {
    name: 'maxUnavailable above 100%',
    mutate: (o) =>
      (at(o, 'spec', 'strategy').rollingUpdate = { maxSurge: '25%', maxUnavailable: '110%' }),
    expected: [
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "110%": must not be greater than 100%',
    ],
  },
  {
    name: 'maxSurge is not a percent',
    mutate: (o) =>
      (at(o, 'spec', 'strategy').rollingUpdate = { maxSurge: 'x%', maxUnavailable: 1 }),
    expected: [
      "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"x%\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    ],
  },
  {
    name: 'Recreate with rollingUpdate',
    mutate: (o) => (at(o, 'spec', 'strategy').type = 'Recreate'),
    expected: [
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ],
  },
  {
    name: 'negative revisionHistoryLimit',
    mutate: (o) => (spec(o).revisionHistoryLimit = -1),
    expected: ['spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0'],
  },
  {
    name: 'progressDeadlineSeconds must exceed minReadySeconds',
    mutate: (o) => {
      spec(o).minReadySeconds = 30;
      spec(o).progressDeadlineSeconds = 30;
    },
    expected: [
      'spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds',
    ],
  },
];

void describe('deployment validation', () => {
  runCases(DEPLOYMENT, deploymentCases, validateCreate, it);
  it('selector is immutable in apps/v1', () => {
    const old = defaulted(DEPLOYMENT);
    const obj = structuredClone(old);
    spec(obj).selector = { matchLabels: { app: 'web', tier: 'x' } };
    at(obj, 'spec', 'template', 'metadata').labels = { app: 'web', tier: 'x' };
    assert.deepEqual(messages(validateUpdate(obj, old)), [
      'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is immutable',
    ]);
  });
  it('replicas and image may change', () => {
    const old = defaulted(DEPLOYMENT);
    const obj = structuredClone(old);
    spec(obj).replicas = 3;
    at(obj, 'spec', 'template', 'spec', 'containers', 0).image = 'nginx:1.27';
    assert.deepEqual(messages(validateUpdate(obj, old)), []);
  });
  it('status counts', () => {
    const old = defaulted(DEPLOYMENT);
    const obj = structuredClone(old);
    old.status = { collisionCount: 2 };
    obj.status = { replicas: 1, readyReplicas: 2, collisionCount: 1 };
    assert.deepEqual(messages(validateStatusUpdate(obj, old)), [
      'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
      'status.collisionCount: Invalid value: 1: cannot be decremented',
    ]);
  });
});

const REPLICASET: Json = { ...structuredClone(DEPLOYMENT), kind: 'ReplicaSet' };
delete (REPLICASET.spec as Json).strategy;

const STATEFULSET: Json = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'default' },
  spec: {
    serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template: {
      metadata: { labels: { app: 'db' } },
      spec: {
        containers: [
          { name: 'db', image: 'postgres', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    ],
  },
};

const DAEMONSET: Json = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent', namespace: 'kube-system' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: {
      metadata: { labels: { app: 'agent' } },
      spec: { containers: [{ name: 'a', image: 'agent' }] },
    },
  },
};

void describe('replicaset, statefulset and daemonset validation', () => {
  runCases(
    REPLICASET,
    [
      { name: 'valid replicaset', mutate: () => undefined, expected: [] },
      {
        name: 'empty selector message says deployment (as upstream)',
        mutate: (o) => (spec(o).selector = { matchLabels: {} }),
        expected: [
          'spec.selector: Invalid value: {"matchLabels":{}}: empty selector is invalid for deployment',
        ],
      },
    ],
    validateCreate,
    it,
  );
  runCases(
    STATEFULSET,
    [
      {
        name: 'valid statefulset mounting a claim template',
        mutate: () => undefined,
        expected: [],
      },
      {
        name: 'podManagementPolicy',
        mutate: (o) => (spec(o).podManagementPolicy = 'Random'),
        expected: [
          "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
        ],
      },
      {
        name: 'rolling update maxUnavailable 0',
        mutate: (o) =>
          (at(o, 'spec', 'updateStrategy').rollingUpdate = { partition: 0, maxUnavailable: 0 }),
        expected: [
          'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0',
        ],
      },
    ],
    validateCreate,
    it,
  );
  it('statefulset: only some spec fields may change', () => {
    const old = defaulted(STATEFULSET);
    const obj = structuredClone(old);
    spec(obj).serviceName = 'other';
    spec(obj).replicas = 5;
    assert.deepEqual(messages(validateUpdate(obj, old)), [
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });
  runCases(
    DAEMONSET,
    [
      { name: 'valid daemonset', mutate: () => undefined, expected: [] },
      {
        name: 'rolling update with both maxSurge and maxUnavailable',
        mutate: (o) =>
          (at(o, 'spec', 'updateStrategy').rollingUpdate = { maxSurge: 1, maxUnavailable: 1 }),
        expected: [
          'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
        ],
      },
      {
        name: 'rolling update with neither',
        mutate: (o) =>
          (at(o, 'spec', 'updateStrategy').rollingUpdate = { maxSurge: 0, maxUnavailable: 0 }),
        expected: [
          'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
        ],
      },
    ],
    validateCreate,
    it,
  );
});
