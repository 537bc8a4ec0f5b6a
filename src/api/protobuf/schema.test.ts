import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { kubernetesSchema, messageForKind, supportedKinds } from './kinds.ts';
import { Schema, SchemaError } from './schema.ts';
import type { MessageDescriptor } from './schema.ts';

/** JSON names a message contributes to its own JSON object (inline fields flattened). */
function jsonNames(desc: MessageDescriptor): string[] {
  return desc.ordered.flatMap((f) =>
    f.cardinality === 'inline' && f.type.kind === 'message' ? jsonNames(f.type.message) : [f.name],
  );
}

describe('descriptor tables', () => {
  it('every message compiles and every reference resolves', () => {
    const names = kubernetesSchema.messageNames();
    assert.ok(names.length > 300);
    for (const name of names) {
      const desc = kubernetesSchema.message(name);
      for (const field of desc.ordered) {
        if (field.type.kind === 'message')
          assert.ok(field.type.message.name, `${name}.${field.name}`);
        assert.ok(
          !(field.pointer && field.type.kind !== 'scalar'),
          `${name}.${field.name}: '*' is for scalars`,
        );
      }
    }
  });

  it('no JSON name appears twice in a message, inline fields included', () => {
    for (const name of kubernetesSchema.messageNames()) {
      const all = jsonNames(kubernetesSchema.message(name));
      assert.equal(new Set(all).size, all.length, `${name}: ${all.join(',')}`);
    }
  });

  it('every supported top-level kind has ObjectMeta as field 1', () => {
    const kinds = supportedKinds();
    assert.ok(kinds.length >= 45);
    for (const [apiVersion, kind] of kinds) {
      const desc = messageForKind(apiVersion, kind);
      assert.ok(desc !== undefined, `${apiVersion} ${kind}`);
      const metadata = desc.fields.get(1);
      assert.equal(metadata?.name, 'metadata', `${apiVersion} ${kind}`);
      assert.ok(
        metadata.type.kind === 'message' && metadata.type.message.name === 'meta.ObjectMeta',
      );
    }
    assert.equal(messageForKind('v1', 'toString'), undefined);
    assert.equal(messageForKind('constructor', 'Pod'), undefined);
    assert.equal(messageForKind('policy/v1', 'DeleteOptions')?.name, 'meta.DeleteOptions');
  });

  it('the priority kinds kubectl sends are all present', () => {
    const wanted: [string, string][] = [
      ['v1', 'Namespace'],
      ['v1', 'ConfigMap'],
      ['v1', 'Secret'],
      ['v1', 'ServiceAccount'],
      ['v1', 'Service'],
      ['apps/v1', 'Deployment'],
      ['batch/v1', 'Job'],
      ['batch/v1', 'CronJob'],
      ['rbac.authorization.k8s.io/v1', 'Role'],
      ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
      ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
      ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
      ['v1', 'ResourceQuota'],
      ['scheduling.k8s.io/v1', 'PriorityClass'],
      ['policy/v1', 'PodDisruptionBudget'],
      ['networking.k8s.io/v1', 'Ingress'],
      ['authentication.k8s.io/v1', 'TokenRequest'],
      ['authorization.k8s.io/v1', 'SelfSubjectAccessReview'],
      ['authorization.k8s.io/v1', 'SelfSubjectRulesReview'],
      ['authentication.k8s.io/v1', 'SelfSubjectReview'],
      ['autoscaling/v1', 'HorizontalPodAutoscaler'],
      ['autoscaling/v2', 'HorizontalPodAutoscaler'],
      ['autoscaling/v1', 'Scale'],
      ['policy/v1', 'Eviction'],
      ['v1', 'Binding'],
      ['v1', 'Pod'],
      ['apps/v1', 'ReplicaSet'],
      ['apps/v1', 'StatefulSet'],
      ['apps/v1', 'DaemonSet'],
      ['coordination.k8s.io/v1', 'Lease'],
      ['v1', 'Event'],
      ['events.k8s.io/v1', 'Event'],
      ['v1', 'Endpoints'],
      ['discovery.k8s.io/v1', 'EndpointSlice'],
      ['networking.k8s.io/v1', 'NetworkPolicy'],
      ['v1', 'PersistentVolume'],
      ['v1', 'PersistentVolumeClaim'],
      ['storage.k8s.io/v1', 'StorageClass'],
      ['v1', 'LimitRange'],
      ['v1', 'Node'],
    ];
    for (const [apiVersion, kind] of wanted)
      assert.ok(messageForKind(apiVersion, kind), `${apiVersion} ${kind}`);
  });
});

describe('Schema compiler', () => {
  it('rejects unknown types, bad specs and duplicate names', () => {
    assert.throws(() => new Schema({ p: { M: { 1: 'a:Nope' } } }).message('p.M'), SchemaError);
    assert.throws(() => new Schema({ p: { M: { 1: 'nocolon' } } }).message('p.M'), SchemaError);
    assert.throws(
      () => new Schema({ p: { M: { 1: 'a:string', 2: 'a:int32' } } }).message('p.M'),
      SchemaError,
    );
    assert.throws(() => new Schema({ p: { M: { 1: '...:string' } } }).message('p.M'), SchemaError);
    assert.throws(() => new Schema({}).message('p.Missing'), SchemaError);
  });

  it('parses cardinalities, pointers and cross-package references', () => {
    const s = new Schema({
      meta: { ObjectMeta: { 1: 'name:string' } },
      a: {
        M: {
          1: 'x:*int32',
          2: 'y:[]string',
          3: 'z:{Quantity}',
          4: 'metadata:ObjectMeta',
          5: 'n:b.N',
        },
      },
      b: { N: { 1: 'v:bool' } },
    });
    const m = s.message('a.M');
    assert.deepEqual(
      m.ordered.map((f) => [f.name, f.cardinality, f.pointer, f.type.kind]),
      [
        ['x', 'single', true, 'scalar'],
        ['y', 'repeated', false, 'scalar'],
        ['z', 'map', false, 'special'],
        ['metadata', 'single', false, 'message'],
        ['n', 'single', false, 'message'],
      ],
    );
  });
});
