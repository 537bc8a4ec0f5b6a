/**
 * ResourceQuota usage with the real kubectl against `./skiff server`: with the controller-manager
 * (its resourcequota-controller fills and replenishes `status.used`, as upstream) and with
 * `--disable-controller-manager` (the API server's own fallback loop does it). Admission charges
 * creates in the API server in both cases.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { API_SERVER_ONLY, startSkiffServer, type SkiffServer } from './harness.ts';

const pod = (name: string, cpu: string): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      containers: [
        { name: 'c', image: 'nginx', resources: { requests: { cpu }, limits: { cpu } } },
      ],
    },
  });

/** The quota scenario, run against either server. */
function scenario(args: readonly string[], checkManagers: (managers: string) => void): void {
  let s: SkiffServer;
  before(async () => {
    s = await startSkiffServer([...args]);
  });
  after(async () => {
    await s.stop();
  });

  const ok = async (a: string[], input?: string): Promise<string> => {
    const r = await s.kubectl(a, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${a.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const until = async (what: string, cond: () => Promise<boolean>, ms = 10_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const describeQuota = (): Promise<string> => ok(['describe', 'quota', 'q', '-n', 'rq']);

  it('fills Used, charges creates, and gives usage back after a delete', async () => {
    await ok(['create', 'namespace', 'rq']);
    assert.equal(
      await ok([
        'create',
        'quota',
        'q',
        '-n',
        'rq',
        '--hard=pods=3,cpu=1,count/deployments.apps=2',
      ]),
      'resourcequota/q created\n',
    );
    // The controller fills status (admission enforces a quota once its usage is known).
    await until('Used filled in', async () => /pods\s+0\s+3/.test(await describeQuota()));
    await ok(['apply', '-n', 'rq', '-f', '-'], pod('a', '200m'));
    await ok(['apply', '-n', 'rq', '-f', '-'], pod('b', '300m'));
    await ok(['create', 'deployment', 'web', '-n', 'rq', '--image=nginx', '--replicas=0']);
    await until('Used counting two pods and a deployment', async () => {
      const out = await describeQuota();
      return (
        /pods\s+2\s+3/.test(out) &&
        /cpu\s+500m\s+1/.test(out) &&
        /count\/deployments\.apps\s+1\s+2/.test(out)
      );
    });
    const described = await describeQuota();
    assert.match(described, /^Name:\s+q$/m);
    assert.match(described, /^Resource\s+Used\s+Hard$/m);

    // Over the cpu hard limit: admission (in the API server) refuses.
    const refused = await s.kubectl(['apply', '-n', 'rq', '-f', '-'], { input: pod('c', '600m') });
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /exceeded quota: q, requested: cpu=600m, used: cpu=500m, limited: cpu=1/,
    );

    await ok(['delete', 'pod', 'a', '-n', 'rq', '--grace-period=0', '--force']);
    await until('Used dropping after the delete', async () => {
      const out = await describeQuota();
      return /pods\s+1\s+3/.test(out) && /cpu\s+300m\s+1/.test(out);
    });
    await ok(['delete', 'deployment', 'web', '-n', 'rq']);
    await until('the deployment given back', async () =>
      /count\/deployments\.apps\s+0\s+2/.test(await describeQuota()),
    );
    // Who wrote the status: the controller-manager's client, or the API server itself.
    const managers = await ok([
      'get',
      'quota',
      'q',
      '-n',
      'rq',
      '--show-managed-fields',
      '-o',
      'jsonpath={range .metadata.managedFields[*]}{.manager}/{.subresource}{"\\n"}{end}',
    ]);
    checkManagers(managers);
  });
}

describe('ResourceQuota usage from the controller-manager', { timeout: 180_000 }, () => {
  scenario([], (managers) => {
    assert.match(managers, /^kube-controller-manager\/status$/m);
  });
});

describe('ResourceQuota usage with --disable-controller-manager', { timeout: 180_000 }, () => {
  // The API server's own loop writes status without a field manager entry.
  scenario(API_SERVER_ONLY, (managers) => {
    assert.doesNotMatch(managers, /kube-controller-manager/);
  });
});
