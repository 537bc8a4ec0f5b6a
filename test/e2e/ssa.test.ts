/**
 * Server-side apply and managedFields with the real kubectl against `./skiff server`: apply
 * create and update, conflicts and --force-conflicts, managedFields as kubectl shows them,
 * pruning of fields the applier stopped applying, the client-side to server-side apply upgrade,
 * and Update entries from kubectl edit and patch.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { API_SERVER_ONLY, startSkiffServer, type SkiffServer } from './harness.ts';
import { apiClient, jsonOf, type HttpAnswer } from './https-client.ts';

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  subresource?: string;
  time?: string;
}

interface Obj {
  metadata: { managedFields?: Entry[]; labels?: Record<string, string> };
  spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
  data?: Record<string, string>;
}

const deployment = (
  replicas: number,
  image = 'nginx',
  labels = 'app: web',
): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {${labels}}
spec:
  replicas: ${String(replicas)}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: c
        image: ${image}
`;

describe('server-side apply with kubectl', () => {
  let s: SkiffServer;
  before(async () => {
    s = await startSkiffServer([...API_SERVER_ONLY]);
  });
  after(async () => {
    await s.stop();
  });

  const ok = async (
    args: string[],
    input?: string,
    env?: Record<string, string>,
  ): Promise<string> => {
    const r = await s.kubectl(args, {
      ...(input === undefined ? {} : { input }),
      ...(env ? { env } : {}),
    });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const getJson = async (args: string[]): Promise<Obj> =>
    JSON.parse(await ok(['get', ...args, '-o', 'json', '--show-managed-fields'])) as Obj;
  const managers = (o: Obj): string[] =>
    (o.metadata.managedFields ?? []).map(
      (e) => `${e.manager}/${e.operation}${e.subresource === undefined ? '' : `/${e.subresource}`}`,
    );

  it('creates with apply, reports conflicts as kubectl prints them, and forces', async () => {
    assert.match(
      await ok(['apply', '--server-side', '-f', '-'], deployment(1)),
      /deployment\.apps\/web serverside-applied/,
    );
    const created = await getJson(['deploy', 'web']);
    assert.equal(created.spec?.replicas, 1);
    assert.deepEqual(managers(created), ['kubectl/Apply']);
    const entry = created.metadata.managedFields?.[0];
    assert.ok(entry !== undefined);
    assert.equal(entry.apiVersion, 'apps/v1');
    assert.equal(entry.fieldsType, 'FieldsV1');
    assert.deepEqual((entry.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas'], {});

    const conflict = await s.kubectl(
      ['apply', '--server-side', '--field-manager=other', '-f', '-'],
      {
        input: deployment(2),
      },
    );
    assert.notEqual(conflict.code, 0);
    assert.match(
      conflict.stderr,
      /^error: Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas$/m,
    );
    assert.match(conflict.stderr, /--force-conflicts/);
    assert.equal((await getJson(['deploy', 'web'])).spec?.replicas, 1);

    // Applying the same value is shared ownership, not a conflict.
    await ok(['apply', '--server-side', '--field-manager=other', '-f', '-'], deployment(1));
    await ok(
      ['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'],
      deployment(2),
    );
    const forced = await getJson(['deploy', 'web']);
    assert.equal(forced.spec?.replicas, 2);
    assert.deepEqual(managers(forced), ['kubectl/Apply', 'other/Apply']);
    const kubectlSpec = forced.metadata.managedFields?.[0]?.fieldsV1['f:spec'] as Record<
      string,
      unknown
    >;
    assert.equal(kubectlSpec['f:replicas'], undefined, 'the forced field left kubectl');
  });

  it('shows managedFields only with --show-managed-fields', async () => {
    const shown = await ok(['get', 'deploy', 'web', '-o', 'yaml', '--show-managed-fields']);
    assert.match(shown, /^ {2}managedFields:$/m);
    assert.match(shown, /^ {4}manager: kubectl$/m);
    assert.match(shown, /^ {4}manager: other$/m);
    assert.match(shown, /^ {4}operation: Apply$/m);
    assert.match(shown, /^ {4}fieldsV1:$/m);
    const hidden = await ok(['get', 'deploy', 'web', '-o', 'yaml']);
    assert.doesNotMatch(hidden, /managedFields/);
  });

  it('records Update entries for kubectl edit and patch, and names them in conflicts', async () => {
    await ok(['edit', 'deploy', 'web'], undefined, {
      EDITOR: `sed -i -e 's/image: nginx$/image: nginx:2/'`,
    });
    const edited = await getJson(['deploy', 'web']);
    assert.equal(edited.spec?.template?.spec?.containers?.[0]?.image, 'nginx:2');
    assert.ok(managers(edited).includes('kubectl-edit/Update'), managers(edited).join());
    await ok(['patch', 'deploy', 'web', '--type=merge', '-p', '{"spec":{"replicas":3}}']);
    const patched = await getJson(['deploy', 'web']);
    assert.ok(managers(patched).includes('kubectl-patch/Update'), managers(patched).join());

    const conflict = await s.kubectl(['apply', '--server-side', '-f', '-'], {
      input: deployment(4, 'nginx:3'),
    });
    assert.notEqual(conflict.code, 0);
    assert.match(
      conflict.stderr,
      /^error: Apply failed with 2 conflicts: conflicts with "kubectl-edit" using apps\/v1:$/m,
    );
    assert.match(conflict.stderr, /^- \.spec\.template\.spec\.containers\[name="c"\]\.image$/m);
    assert.match(conflict.stderr, /^conflicts with "kubectl-patch" using apps\/v1:$/m);
    assert.match(conflict.stderr, /^- \.spec\.replicas$/m);
  });

  it('records kubectl scale under the scale subresource', async () => {
    await ok(['scale', 'deploy', 'web', '--replicas=5']);
    const scaled = await getJson(['deploy', 'web']);
    assert.equal(scaled.spec?.replicas, 5);
    assert.ok(managers(scaled).includes('kubectl/Update/scale'), managers(scaled).join());
  });

  it('removes fields the applier no longer applies', async () => {
    const cm = (data: string): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pruned\ndata:\n${data}`;
    await ok(['apply', '--server-side', '-f', '-'], cm('  a: "1"\n  b: "2"\n'));
    assert.deepEqual((await getJson(['cm', 'pruned'])).data, { a: '1', b: '2' });
    await ok(['apply', '--server-side', '-f', '-'], cm('  a: "1"\n'));
    assert.deepEqual((await getJson(['cm', 'pruned'])).data, { a: '1' });
    // A key another manager also owns stays.
    await ok(['apply', '--server-side', '--field-manager=keeper', '-f', '-'], cm('  c: "3"\n'));
    await ok(['apply', '--server-side', '-f', '-'], cm('  a: "1"\n  c: "3"\n'));
    await ok(['apply', '--server-side', '-f', '-'], cm('  a: "1"\n'));
    assert.deepEqual((await getJson(['cm', 'pruned'])).data, { a: '1', c: '3' });
  });

  it('upgrades from client-side apply to server-side apply', async () => {
    const svc = (targetPort: number, label: string): string => `apiVersion: v1
kind: Service
metadata:
  name: upgraded
  labels: {tier: ${label}}
spec:
  selector: {app: up}
  ports:
  - port: 80
    targetPort: ${String(targetPort)}
`;
    await ok(['apply', '-f', '-'], svc(8080, 'a'));
    await ok(['apply', '-f', '-'], svc(8081, 'a'));
    const csa = await getJson(['svc', 'upgraded']);
    assert.deepEqual(managers(csa), ['kubectl-client-side-apply/Update']);
    // Fields kubectl applied client-side are no conflict for the server-side kubectl.
    await ok(['apply', '--server-side', '-f', '-'], svc(8082, 'b'));
    const ssa = await getJson(['svc', 'upgraded']);
    assert.equal(ssa.metadata.labels?.['tier'], 'b');
    assert.equal((ssa.spec as { ports?: { targetPort?: number }[] }).ports?.[0]?.targetPort, 8082);
    // Someone else changing those fields still conflicts.
    const other = await s.kubectl(['apply', '--server-side', '--field-manager=x', '-f', '-'], {
      input: svc(8083, 'b'),
    });
    assert.match(
      other.stderr,
      /conflict with "kubectl": \.spec\.ports\[port=80,protocol="TCP"\]\.targetPort/,
    );
    assert.ok(managers(ssa).includes('kubectl/Apply'), managers(ssa).join());
  });

  it('answers apply over HTTP as upstream: 201/200, PatchOptions, strict YAML, dry run', async () => {
    const c = apiClient(s.kubeconfig, 1);
    try {
      const path = '/api/v1/namespaces/default/configmaps/raw';
      const apply = (query: string, body: string): Promise<HttpAnswer> =>
        c.request({
          method: 'PATCH',
          path: `${path}?${query}`,
          headers: { 'content-type': 'application/apply-patch+yaml' },
          body,
        });
      const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: raw\ndata:\n  a: "1"\n';
      const missing = await apply('', cm);
      assert.equal(missing.status, 422);
      assert.equal(
        (jsonOf(missing) as { message: string }).message,
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
      const dry = await apply('fieldManager=t&dryRun=All', cm);
      assert.equal(dry.status, 201);
      assert.equal((await c.request({ method: 'GET', path })).status, 404);
      const created = await apply('fieldManager=t', cm);
      assert.equal(created.status, 201);
      assert.equal((await apply('fieldManager=t', cm)).status, 200);
      const dup =
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: raw\ndata:\n  a: "1"\n  a: "2"\n';
      const strict = await apply('fieldManager=t&fieldValidation=Strict', dup);
      assert.equal(strict.status, 400);
      assert.equal(
        (jsonOf(strict) as { message: string }).message,
        'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "a" already set in map',
      );
      const warned = await apply('fieldManager=t', dup);
      assert.equal(warned.status, 200);
      assert.match(String(warned.headers['warning']), /line 7: key \\"a\\" already set in map/);
      const badKind = await apply('fieldManager=t', cm.replace('ConfigMap', 'Secret'));
      assert.equal(badKind.status, 400);
      assert.equal(
        (jsonOf(badKind) as { message: string }).message,
        'invalid object type: /v1, Kind=Secret',
      );
      const forced = await c.request({
        method: 'PATCH',
        path: `${path}?force=true`,
        headers: { 'content-type': 'application/merge-patch+json' },
        body: '{"data":{"b":"2"}}',
      });
      assert.equal(forced.status, 422);
      assert.match(
        (jsonOf(forced) as { message: string }).message,
        /force: Forbidden: may not be specified for non-apply patch/,
      );
      // The default manager of other writes is the User-Agent's product.
      const posted = await c.request({
        method: 'POST',
        path: '/api/v1/namespaces/default/configmaps',
        headers: { 'content-type': 'application/json', 'user-agent': 'my-tool/1.2 (linux)' },
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'ua' },
          data: { x: 'y' },
        }),
      });
      assert.equal(posted.status, 201);
      const entry = (jsonOf(posted) as Obj).metadata.managedFields?.[0];
      assert.ok(entry !== undefined);
      assert.equal(entry.manager, 'my-tool');
      assert.equal(entry.operation, 'Update');
      assert.deepEqual(entry.fieldsV1, { 'f:data': { '.': {}, 'f:x': {} } });
    } finally {
      c.close();
    }
  });
});
