/**
 * CustomResourceDefinitions with the real kubectl against `./skiff server`: the CRD becomes
 * Established and is served at once (discovery, OpenAPI for explain), custom resources are
 * created, listed with their printer columns, validated against the schema (with upstream's
 * messages), defaulted and pruned, merge-patched, and deleted with the CRD.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from './harness.ts';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
    categories: [all]
  versions:
    - name: v1
      served: true
      storage: true
      subresources:
        status: {}
        scale:
          specReplicasPath: .spec.replicas
          statusReplicasPath: .status.replicas
      additionalPrinterColumns:
        - name: Spec
          type: string
          jsonPath: .spec.cronSpec
        - name: Replicas
          type: integer
          jsonPath: .spec.replicas
        - name: Age
          type: date
          jsonPath: .metadata.creationTimestamp
      schema:
        openAPIV3Schema:
          type: object
          description: A CronTab runs an image on a schedule.
          properties:
            spec:
              type: object
              description: What to run and when.
              required: [cronSpec]
              x-kubernetes-validations:
                - rule: "self.replicas <= 10"
                  message: replicas must be at most 10
              properties:
                cronSpec:
                  type: string
                  description: The schedule in cron format.
                  pattern: '^(\\S+\\s){4}\\S+$'
                image:
                  type: string
                replicas:
                  type: integer
                  minimum: 1
                  default: 1
                mode:
                  type: string
                  enum: [fast, slow]
            status:
              type: object
              properties:
                ready:
                  type: boolean
                replicas:
                  type: integer
`;

describe('CustomResourceDefinitions with kubectl', () => {
  let s: SkiffServer;
  before(async () => {
    s = await startSkiffServer();
  });
  after(async () => {
    await s.stop();
  });

  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await s.kubectl(args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };

  it('serves a CRD at once and its custom resources with columns, validation, defaults', async () => {
    await ok(['apply', '-f', '-'], CRD);
    await ok([
      'wait',
      '--for=condition=Established',
      '--timeout=10s',
      'crd/crontabs.stable.example.com',
    ]);
    const crd = JSON.parse(
      await ok(['get', 'crd', 'crontabs.stable.example.com', '-o', 'json']),
    ) as {
      metadata: { finalizers?: string[] };
      status: { acceptedNames: { kind: string }; conditions: { type: string; status: string }[] };
    };
    assert.equal(crd.status.acceptedNames.kind, 'CronTab');
    assert.deepEqual(crd.status.conditions.map((c) => [c.type, c.status]).sort(), [
      ['Established', 'True'],
      ['NamesAccepted', 'True'],
    ]);
    assert.deepEqual(crd.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);

    const resources = await ok(['api-resources', '--api-group=stable.example.com']);
    assert.match(resources, /crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab/);

    // kubectl's default --validate=strict makes the server reject unknown fields; without it
    // they are pruned.
    const strict = await s.kubectl(['apply', '-f', '-'], {
      input:
        'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: strict\nspec:\n  cronSpec: "* * * * *"\n  bogus: 1\n',
    });
    assert.notEqual(strict.code, 0);
    assert.match(strict.stderr, /strict decoding error: unknown field "spec\.bogus"/);
    await ok(
      ['apply', '--validate=false', '-f', '-'],
      `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: tick
spec:
  cronSpec: "* * * * */5"
  image: busybox
  unknownField: dropped
`,
    );
    const got = JSON.parse(await ok(['get', 'ct', 'tick', '-o', 'json'])) as {
      spec: Record<string, unknown>;
    };
    assert.equal(got.spec['replicas'], 1, 'defaulted from the schema');
    assert.equal(got.spec['unknownField'], undefined, 'pruned');

    const table = await ok(['get', 'crontabs']);
    assert.match(table, /^NAME\s+SPEC\s+REPLICAS\s+AGE\n/);
    assert.match(table, /tick\s+\* \* \* \* \*\/5\s+1\s+\d+s/);

    // The schema rejects bad values with upstream's messages.
    const bad = await s.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: bad
spec:
  cronSpec: "nope"
  replicas: 0
  mode: medium
`,
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /The CronTab "bad" is invalid/);
    assert.match(
      bad.stderr,
      /spec\.mode: Unsupported value: "medium": supported values: "fast", "slow"/,
    );
    assert.match(
      bad.stderr,
      /spec\.replicas: Invalid value: 0: spec\.replicas in body should be greater than or equal to 1/,
    );
    const rule = await s.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: many
spec:
  cronSpec: "* * * * *"
  replicas: 11
`,
    });
    assert.notEqual(rule.code, 0);
    assert.match(rule.stderr, /spec: Invalid value: "object": replicas must be at most 10/);

    // Merge patches (kubectl's default for custom resources) and label/scale-free edits work.
    await ok(['patch', 'ct', 'tick', '--type=merge', '-p', '{"spec":{"replicas":3}}']);
    await ok(['label', 'ct', 'tick', 'team=a']);
    const patched = JSON.parse(await ok(['get', 'ct', 'tick', '-o', 'json'])) as {
      spec: { replicas: number };
      metadata: { labels: Record<string, string>; generation: number };
    };
    assert.equal(patched.spec.replicas, 3);
    assert.equal(patched.metadata.labels['team'], 'a');
    assert.equal(patched.metadata.generation, 2, 'generation bumps on spec changes only');

    // The scale subresource follows the CRD's paths; status changes only through /status.
    await ok(['scale', 'ct', 'tick', '--replicas=4']);
    await ok(['patch', 'ct', 'tick', '--type=merge', '-p', '{"status":{"ready":true}}']);
    await ok([
      'patch',
      'ct',
      'tick',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"replicas":2}}',
    ]);
    const scaled = JSON.parse(await ok(['get', 'ct', 'tick', '-o', 'json'])) as {
      spec: { replicas: number };
      status?: { ready?: boolean; replicas?: number };
    };
    assert.equal(scaled.spec.replicas, 4);
    assert.equal(scaled.status?.ready, undefined, 'status ignored on the main resource');
    assert.equal(scaled.status?.replicas, 2, 'status written through /status');
    const scale = JSON.parse(
      await ok([
        'get',
        '--raw',
        '/apis/stable.example.com/v1/namespaces/default/crontabs/tick/scale',
      ]),
    ) as { kind: string; spec: { replicas: number }; status: { replicas: number } };
    assert.deepEqual([scale.kind, scale.spec.replicas, scale.status.replicas], ['Scale', 4, 2]);

    // explain reads the published schema.
    const explain = await ok(['explain', 'crontab.spec.cronSpec']);
    assert.match(explain, /The schedule in cron format\./);
  });

  it('serves several versions (conversion None) and server-side applies custom resources', async () => {
    await ok(
      ['apply', '-f', '-'],
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.multi.example.com
spec:
  group: multi.example.com
  scope: Cluster
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                ports:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [name]
                  items:
                    type: object
                    required: [name]
                    properties:
                      name: {type: string}
                      port: {type: integer}
    - name: v1beta1
      served: true
      storage: false
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`,
    );
    await ok([
      'wait',
      '--for=condition=Established',
      '--timeout=10s',
      'crd/gadgets.multi.example.com',
    ]);
    await ok(
      ['create', '-f', '-'],
      'apiVersion: multi.example.com/v1beta1\nkind: Gadget\nmetadata:\n  name: g1\nspec:\n  ports: [{name: a, port: 1}]\n',
    );
    const v1 = JSON.parse(
      await ok(['get', 'gadgets.v1.multi.example.com', 'g1', '-o', 'json']),
    ) as {
      apiVersion: string;
    };
    assert.equal(v1.apiVersion, 'multi.example.com/v1', 'read through v1');
    const beta = JSON.parse(
      await ok(['get', 'gadgets.v1beta1.multi.example.com', 'g1', '-o', 'json']),
    ) as { apiVersion: string };
    assert.equal(beta.apiVersion, 'multi.example.com/v1beta1', 'read through v1beta1');

    // Server-side apply merges the list-map by key: two managers own one port each.
    const applyPorts = (manager: string, port: string): Promise<string> =>
      ok(
        ['apply', '--server-side', `--field-manager=${manager}`, '-f', '-'],
        `apiVersion: multi.example.com/v1\nkind: Gadget\nmetadata:\n  name: g2\nspec:\n  ports: [${port}]\n`,
      );
    await applyPorts('one', '{name: a, port: 1}');
    await applyPorts('two', '{name: b, port: 2}');
    const merged = JSON.parse(await ok(['get', 'gadget', 'g2', '-o', 'json'])) as {
      spec: { ports: { name: string }[] };
    };
    assert.deepEqual(
      merged.spec.ports.map((p) => p.name),
      ['a', 'b'],
    );
    const conflict = await s.kubectl(['apply', '--server-side', '--field-manager=two', '-f', '-'], {
      input:
        'apiVersion: multi.example.com/v1\nkind: Gadget\nmetadata:\n  name: g2\nspec:\n  ports: [{name: a, port: 9}]\n',
    });
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /conflict with "one": \.spec\.ports\[name="a"\]\.port/);
  });

  it('deletes the custom resources with their CRD', async () => {
    await ok(
      ['create', '-f', '-'],
      'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: other\n  namespace: kube-public\nspec:\n  cronSpec: "* * * * *"\n',
    );
    await ok(['delete', 'crd', 'crontabs.stable.example.com', '--timeout=20s']);
    const gone = await s.kubectl(['get', 'crd', 'crontabs.stable.example.com']);
    assert.notEqual(gone.code, 0);
    const resources = await ok(['api-resources', '--api-group=stable.example.com']);
    assert.doesNotMatch(resources, /crontabs/);
    // Re-creating the CRD shows none of the old objects.
    await ok(['apply', '-f', '-'], CRD);
    await ok([
      'wait',
      '--for=condition=Established',
      '--timeout=10s',
      'crd/crontabs.stable.example.com',
    ]);
    const list = await ok(['get', 'crontabs', '-A', '-o', 'name']);
    assert.equal(list.trim(), '');
  });
});
