/**
 * The real kubectl reading our OpenAPI v3 documents: `kubectl explain` on resources and field
 * paths, and client-side `kubectl apply` building its strategic merge patch from the v3 schema
 * (a removed env var disappears, which a JSON merge patch of a list could not express).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from './harness.ts';

describe('kubectl explain and apply with OpenAPI v3', () => {
  let s: SkiffServer;
  before(async () => {
    s = await startSkiffServer();
  });
  after(async () => {
    await s.stop();
  });

  const ok = async (args: string[], input?: string): Promise<{ out: string; err: string }> => {
    const r = await s.kubectl(args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return { out: r.stdout, err: r.stderr };
  };

  it('serves a root document whose group versions carry hashes', async () => {
    const root = JSON.parse((await ok(['get', '--raw', '/openapi/v3'])).out) as {
      paths: Record<string, { serverRelativeURL: string }>;
    };
    assert.match(
      root.paths['api/v1']?.serverRelativeURL ?? '',
      /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/,
    );
    const apps = root.paths['apis/apps/v1']?.serverRelativeURL;
    assert.ok(apps !== undefined);
    const doc = JSON.parse((await ok(['get', '--raw', apps])).out) as {
      paths: Record<string, { patch?: { requestBody: { content: Record<string, unknown> } } }>;
      components: { schemas: Record<string, unknown> };
    };
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.patch;
    assert.ok(patch !== undefined);
    assert.ok('application/strategic-merge-patch+json' in patch.requestBody.content);
    assert.ok('io.k8s.api.apps.v1.Deployment' in doc.components.schemas);
  });

  it('explains a resource', async () => {
    const { out } = await ok(['explain', 'pods']);
    assert.match(out, /^KIND:\s+Pod$/m);
    assert.match(out, /^VERSION:\s+v1$/m);
    assert.match(out, /Pod is a collection of containers that can run on a host/);
    assert.match(out, /^ {2}spec\s+<PodSpec>$/m);
    assert.match(out, /^ {2}metadata\s+<ObjectMeta>$/m);
  });

  it('explains a nested list field with its element fields', async () => {
    const { out } = await ok(['explain', 'pods.spec.containers.ports']);
    assert.match(out, /^FIELD:\s+ports <\[\]ContainerPort>$/m);
    assert.match(out, /List of ports to expose from the container/);
    assert.match(out, /^ {2}containerPort\s+<integer> -required-$/m);
    assert.match(out, /^ {2}protocol\s+<string>$/m);
  });

  it('explains recursively', async () => {
    const { out } = await ok(['explain', 'deployments.spec.strategy', '--recursive']);
    assert.match(out, /^GROUP:\s+apps$/m);
    assert.match(out, /^FIELD:\s+strategy <DeploymentStrategy>$/m);
    assert.match(out, /^ {2}rollingUpdate\s+<RollingUpdateDeployment>$/m);
    assert.match(out, /^ {4}maxSurge\s+<IntOrString>$/m);
    assert.match(out, /^ {4}maxUnavailable\s+<IntOrString>$/m);
    assert.match(out, /^ {2}type\s+<string>$/m);
  });

  it('shows a scalar field description', async () => {
    const { out } = await ok(['explain', 'services.spec.type']);
    assert.match(out, /^FIELD:\s+type <string>$/m);
    assert.match(out, /type determines how the Service is exposed/);
  });

  it('explains kinds of other groups', async () => {
    for (const [resource, kind] of [
      ['cronjobs', 'CronJob'],
      ['ingresses', 'Ingress'],
      ['clusterroles', 'ClusterRole'],
      ['leases', 'Lease'],
      ['customresourcedefinitions', 'CustomResourceDefinition'],
    ] as const) {
      const { out } = await ok(['explain', resource]);
      assert.match(out, new RegExp(`^KIND:\\s+${kind}$`, 'm'), resource);
    }
  });

  it('removes an env var on the second client-side apply (strategic merge from v3)', async () => {
    const deployment = (env: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        env:
        - {name: KEEP, value: "1"}
${env}`;
    await ok(['apply', '-f', '-'], deployment('        - {name: DROP, value: "2"}\n'));
    const second = await ok(['apply', '-f', '-'], deployment(''));
    assert.match(second.out, /deployment.apps\/web configured/);
    // The v3 path worked: no fallback warning.
    assert.doesNotMatch(second.err, /error calculating patch from openapi/);
    const got = JSON.parse((await ok(['get', 'deployment', 'web', '-o', 'json'])).out) as {
      spec: { template: { spec: { containers: { env?: { name: string }[] }[] } } };
    };
    const env = got.spec.template.spec.containers[0]?.env?.map((e) => e.name);
    assert.deepEqual(env, ['KEEP']);
  });

  it('still creates with the default strict validation', async () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: validated\ndata:\n  a: "1"\n';
    assert.match((await ok(['create', '-f', '-'], cm)).out, /configmap\/validated created/);
  });
});
