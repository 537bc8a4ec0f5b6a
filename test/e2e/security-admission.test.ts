/**
 * Issue 5's admission plugins, bound tokens, audit annotations and encryption of custom
 * resources, with the real kubectl against `./skiff server` (controller-manager included, so
 * quota status and default ServiceAccounts exist): ResourceQuota scopes (BestEffort,
 * NotBestEffort, Terminating, NotTerminating, PriorityClass by scopeSelector), Priority
 * admission, DefaultTolerationSeconds, a pod-bound TokenRequest that stops working once its pod
 * is gone, PodSecurity's audit annotations in the audit log (with rotation flags set), and a
 * custom resource that the SQLite file never holds in clear.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSkiffServer, writeUserKubeconfig, type SkiffServer } from './harness.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe(
  'admission, bound tokens, audit annotations and encryption with kubectl',
  {
    timeout: 300_000,
  },
  () => {
    let s: SkiffServer;
    const work = mkdtempSync(join(tmpdir(), 'skiff-secadm-'));
    const encryption = join(work, 'encryption.yaml');
    const policy = join(work, 'audit-policy.yaml');
    const auditLog = join(work, 'audit', 'audit.log');
    const key = randomBytes(32).toString('base64');

    before(async () => {
      writeFileSync(
        encryption,
        [
          'apiVersion: apiserver.config.k8s.io/v1',
          'kind: EncryptionConfiguration',
          'resources:',
          '  - resources: [widgets.example.com]',
          '    providers:',
          '      - aesgcm:',
          '          keys:',
          `            - {name: crkey, secret: ${key}}`,
          '      - identity: {}',
          '',
        ].join('\n'),
      );
      writeFileSync(
        policy,
        [
          'apiVersion: audit.k8s.io/v1',
          'kind: Policy',
          'omitStages: [RequestReceived]',
          'rules:',
          '  - level: None',
          '    resources: [{group: coordination.k8s.io, resources: [leases]}, {group: "", resources: [events]}]',
          '  - level: None',
          '    nonResourceURLs: ["/api*", "/openapi*", "/version", "/readyz", "/healthz"]',
          '  - level: Metadata',
          '',
        ].join('\n'),
      );
      s = await startSkiffServer([
        '--encryption-provider-config',
        encryption,
        '--audit-policy-file',
        policy,
        '--audit-log-path',
        auditLog,
        '--audit-log-maxsize',
        '1',
        '--audit-log-maxbackup',
        '5',
        '--audit-log-maxage',
        '7',
      ]);
    });
    after(async () => {
      await s.stop();
      rmSync(work, { recursive: true, force: true });
    });

    const ok = async (args: string[], input?: string): Promise<string> => {
      const r = await s.kubectl(args, input === undefined ? {} : { input });
      assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout;
    };

    const podYaml = (
      name: string,
      opts: {
        requests?: boolean;
        deadline?: number;
        priorityClassName?: string;
        priority?: number;
      } = {},
    ): string =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: {
          ...(opts.deadline === undefined ? {} : { activeDeadlineSeconds: opts.deadline }),
          ...(opts.priorityClassName === undefined
            ? {}
            : { priorityClassName: opts.priorityClassName }),
          ...(opts.priority === undefined ? {} : { priority: opts.priority }),
          containers: [
            {
              name: 'c',
              image: 'nginx',
              ...(opts.requests === true
                ? { resources: { requests: { cpu: '10m', memory: '16Mi' } } }
                : {}),
            },
          ],
        },
      });

    /** Waits until the quota controller has filled in the quota's status (admission needs it). */
    const waitQuota = async (namespace: string, name: string): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        const hard = await ok([
          'get',
          'quota',
          name,
          '-n',
          namespace,
          '-o',
          'jsonpath={.status.hard.pods}',
        ]);
        if (hard !== '') return;
        await sleep(100);
      }
      assert.fail(`quota ${namespace}/${name} has no status`);
    };

    it('enforces ResourceQuota scopes: BestEffort, NotBestEffort, Terminating, NotTerminating, PriorityClass', async () => {
      await ok(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'scheduling.k8s.io/v1',
          kind: 'PriorityClass',
          metadata: { name: 'quota-high' },
          value: 1000,
        }),
      );
      type PodOpts = Parameters<typeof podYaml>[1];
      const cases: {
        name: string;
        scope: Record<string, unknown>;
        matching: PodOpts;
        other: PodOpts;
      }[] = [
        {
          name: 'besteffort',
          scope: { scopes: ['BestEffort'] },
          matching: {},
          other: { requests: true },
        },
        {
          name: 'notbesteffort',
          scope: { scopes: ['NotBestEffort'] },
          matching: { requests: true },
          other: {},
        },
        {
          name: 'terminating',
          scope: { scopes: ['Terminating'] },
          matching: { deadline: 600 },
          other: {},
        },
        {
          name: 'notterminating',
          scope: { scopes: ['NotTerminating'] },
          matching: {},
          other: { deadline: 600 },
        },
        {
          name: 'priority',
          scope: {
            scopeSelector: {
              matchExpressions: [
                { scopeName: 'PriorityClass', operator: 'In', values: ['quota-high'] },
              ],
            },
          },
          matching: { priorityClassName: 'quota-high' },
          other: {},
        },
      ];
      await Promise.all(
        cases.map(async (c) => {
          const ns = `q-${c.name}`;
          await ok(['create', 'namespace', ns]);
          await ok(
            ['apply', '-n', ns, '-f', '-'],
            JSON.stringify({
              apiVersion: 'v1',
              kind: 'ResourceQuota',
              metadata: { name: c.name },
              spec: { hard: { pods: '1' }, ...c.scope },
            }),
          );
          await waitQuota(ns, c.name);
        }),
      );
      for (const c of cases) {
        const ns = `q-${c.name}`;
        await ok(['create', '-n', ns, '-f', '-'], podYaml('first', c.matching));
        const refused = await s.kubectl(['create', '-n', ns, '-f', '-'], {
          input: podYaml('second', c.matching),
        });
        assert.notEqual(refused.code, 0, `${c.name}: a second matching pod is refused`);
        assert.match(
          refused.stderr,
          new RegExp(
            `pods "second" is forbidden: exceeded quota: ${c.name}, requested: pods=1, used: pods=1, limited: pods=1`,
          ),
          c.name,
        );
        // A pod outside the scope is not counted.
        await ok(['create', '-n', ns, '-f', '-'], podYaml('outside', c.other));
        const used = await ok([
          'get',
          'quota',
          c.name,
          '-n',
          ns,
          '-o',
          'jsonpath={.status.used.pods}',
        ]);
        assert.equal(used, '1', `${c.name}: only the matching pod is charged`);
      }
    });

    it('resolves priorityClassName to spec.priority, applies the global default and refuses unknown classes', async () => {
      await ok(['create', 'namespace', 'prio']);
      await ok(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'scheduling.k8s.io/v1',
          kind: 'PriorityClass',
          metadata: { name: 'prio-default' },
          value: 500,
          globalDefault: true,
          preemptionPolicy: 'Never',
        }),
      );
      try {
        const spec = async (name: string): Promise<Record<string, unknown>> =>
          (
            JSON.parse(await ok(['get', 'pod', name, '-n', 'prio', '-o', 'json'])) as {
              spec: Record<string, unknown>;
            }
          ).spec;
        await ok(
          ['create', '-n', 'prio', '-f', '-'],
          podYaml('named', { priorityClassName: 'quota-high' }),
        );
        const named = await spec('named');
        assert.equal(named['priority'], 1000);
        assert.equal(named['preemptionPolicy'], 'PreemptLowerPriority');

        await ok(['create', '-n', 'prio', '-f', '-'], podYaml('defaulted'));
        const defaulted = await spec('defaulted');
        assert.equal(defaulted['priorityClassName'], 'prio-default');
        assert.equal(defaulted['priority'], 500);
        assert.equal(defaulted['preemptionPolicy'], 'Never');

        const unknown = await s.kubectl(['create', '-n', 'prio', '-f', '-'], {
          input: podYaml('unknown', { priorityClassName: 'nope' }),
        });
        assert.notEqual(unknown.code, 0);
        assert.match(
          unknown.stderr,
          /pods "unknown" is forbidden: no PriorityClass with name nope was found/,
        );

        const given = await s.kubectl(['create', '-n', 'prio', '-f', '-'], {
          input: podYaml('given', { priorityClassName: 'quota-high', priority: 7 }),
        });
        assert.notEqual(given.code, 0);
        assert.match(
          given.stderr,
          /pods "given" is forbidden: the integer value of priority \(7\) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name/,
        );

        // Since 1.17 the system classes are not tied to kube-system by the Priority plugin (a
        // ResourceQuota admission configuration may limit them); they resolve everywhere.
        await ok(
          ['create', '-n', 'kube-system', '-f', '-'],
          podYaml('critical', { priorityClassName: 'system-node-critical' }),
        );
        const critical = JSON.parse(
          await ok(['get', 'pod', 'critical', '-n', 'kube-system', '-o', 'json']),
        ) as { spec: { priority?: number } };
        assert.equal(critical.spec.priority, 2000001000);
        await ok(
          ['create', '-n', 'prio', '-f', '-'],
          podYaml('cluster-critical', { priorityClassName: 'system-cluster-critical' }),
        );
        assert.equal((await spec('cluster-critical'))['priority'], 2000000000);

        const second = await s.kubectl(['apply', '-f', '-'], {
          input: JSON.stringify({
            apiVersion: 'scheduling.k8s.io/v1',
            kind: 'PriorityClass',
            metadata: { name: 'prio-default-2' },
            value: 600,
            globalDefault: true,
          }),
        });
        assert.notEqual(second.code, 0);
        assert.match(
          second.stderr,
          /PriorityClass prio-default is already marked as default\. Only one default can exist/,
        );
      } finally {
        // The global default would give every later pod of this server its priority.
        await ok(['delete', 'priorityclass', 'prio-default']);
      }
    });

    it('adds the not-ready and unreachable NoExecute tolerations of 300 s (DefaultTolerationSeconds)', async () => {
      await ok(['create', 'namespace', 'tolerations']);
      await ok(['create', '-n', 'tolerations', '-f', '-'], podYaml('p'));
      const tolerations = JSON.parse(
        await ok(['get', 'pod', 'p', '-n', 'tolerations', '-o', 'jsonpath={.spec.tolerations}']),
      ) as unknown[];
      assert.deepEqual(tolerations, [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ]);
      // A pod's own toleration for the taint is kept, not doubled.
      await ok(
        ['create', '-n', 'tolerations', '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'own' },
          spec: {
            containers: [{ name: 'c', image: 'nginx' }],
            tolerations: [
              {
                key: 'node.kubernetes.io/not-ready',
                operator: 'Exists',
                effect: 'NoExecute',
                tolerationSeconds: 10,
              },
            ],
          },
        }),
      );
      const own = JSON.parse(
        await ok(['get', 'pod', 'own', '-n', 'tolerations', '-o', 'jsonpath={.spec.tolerations}']),
      ) as { key: string; tolerationSeconds: number }[];
      assert.deepEqual(
        own.map((t) => [t.key, t.tolerationSeconds]),
        [
          ['node.kubernetes.io/not-ready', 10],
          ['node.kubernetes.io/unreachable', 300],
        ],
      );
    });

    it('issues a pod-bound token that stops working once the pod is deleted', async () => {
      await ok(['create', 'namespace', 'bound']);
      await ok(['create', '-n', 'bound', '-f', '-'], podYaml('holder'));
      const uid = await ok([
        'get',
        'pod',
        'holder',
        '-n',
        'bound',
        '-o',
        'jsonpath={.metadata.uid}',
      ]);
      const token = (
        await ok([
          'create',
          'token',
          'default',
          '-n',
          'bound',
          '--bound-object-kind',
          'Pod',
          '--bound-object-name',
          'holder',
        ])
      ).trim();
      const claims = JSON.parse(
        Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
      ) as { sub: string; 'kubernetes.io': { pod?: { name: string; uid: string } } };
      assert.equal(claims.sub, 'system:serviceaccount:bound:default');
      assert.deepEqual(claims['kubernetes.io'].pod, { name: 'holder', uid });

      const kubeconfig = writeUserKubeconfig(s, { token });
      const whoami = () =>
        s.kubectl([
          '--kubeconfig',
          kubeconfig,
          'auth',
          'whoami',
          '-o',
          'jsonpath={.status.userInfo}',
        ]);
      const before = await whoami();
      assert.equal(before.code, 0, before.stderr);
      const info = JSON.parse(before.stdout) as { username: string };
      assert.equal(info.username, 'system:serviceaccount:bound:default');

      await ok(['delete', 'pod', 'holder', '-n', 'bound', '--grace-period=0', '--force']);
      // Successful authentications are cached for 10 s (upstream's token success cache).
      const deadline = Date.now() + 20_000;
      for (;;) {
        const r = await whoami();
        if (r.code !== 0) {
          assert.match(r.stderr, /Unauthorized|provide credentials/);
          break;
        }
        assert.ok(Date.now() < deadline, 'the token still works 20 s after its pod was deleted');
        await sleep(500);
      }
    });

    /** Every audit event written so far, the rotated backups' first. */
    const auditEvents = (): {
      verb: string;
      stage: string;
      objectRef?: { resource?: string; namespace?: string; name?: string };
      annotations?: Record<string, string>;
      responseStatus?: { code?: number };
    }[] => {
      const dir = join(work, 'audit');
      const files = readdirSync(dir)
        .filter((f) => f.startsWith('audit-') && f.endsWith('.log'))
        .sort();
      return [...files, 'audit.log']
        .map((f) => join(dir, f))
        .filter((f) => existsSync(f))
        .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as ReturnType<typeof auditEvents>[number]);
    };

    it('records PodSecurity audit annotations in the audit event, and warns by the warn label', async () => {
      await ok(['create', 'namespace', 'psa-audit']);
      await ok([
        'label',
        'namespace',
        'psa-audit',
        'pod-security.kubernetes.io/audit=restricted',
        'pod-security.kubernetes.io/warn=baseline',
        'pod-security.kubernetes.io/enforce=baseline',
      ]);
      // Violates restricted (audited) but not baseline: created, no warning.
      const plain = await s.kubectl(['create', '-n', 'psa-audit', '-f', '-'], {
        input: podYaml('plain'),
      });
      assert.equal(plain.code, 0, plain.stderr);
      assert.doesNotMatch(plain.stderr, /Warning/);
      // Violates baseline: refused by enforce, with the audit annotations too.
      const privileged = JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'priv' },
        spec: {
          containers: [{ name: 'c', image: 'nginx', securityContext: { privileged: true } }],
        },
      });
      const refused = await s.kubectl(['create', '-n', 'psa-audit', '-f', '-'], {
        input: privileged,
      });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /violates PodSecurity "baseline:latest": privileged/);

      let events: ReturnType<typeof auditEvents> = [];
      const find = (name: string) =>
        events.find(
          (e) =>
            e.verb === 'create' &&
            e.stage === 'ResponseComplete' &&
            e.objectRef?.resource === 'pods' &&
            e.objectRef.namespace === 'psa-audit' &&
            e.objectRef.name === name,
        );
      for (let i = 0; i < 50; i++) {
        events = auditEvents();
        if (find('plain') !== undefined && find('priv') !== undefined) break;
        await sleep(100);
      }
      const created = find('plain');
      assert.ok(created, 'the pod create is audited');
      assert.equal(
        created.annotations?.['pod-security.kubernetes.io/enforce-policy'],
        'baseline:latest',
      );
      assert.match(
        created.annotations['pod-security.kubernetes.io/audit-violations'] ?? '',
        /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "c" must set securityContext\.allowPrivilegeEscalation=false\), unrestricted capabilities/,
      );
      const denied = find('priv');
      assert.ok(denied, 'the refused create is audited');
      assert.equal(denied.responseStatus?.code, 403);
      assert.equal(
        denied.annotations?.['pod-security.kubernetes.io/enforce-policy'],
        'baseline:latest',
      );
      assert.match(
        denied.annotations['pod-security.kubernetes.io/audit-violations'] ?? '',
        /^would violate PodSecurity "restricted:latest": privileged/,
      );

      // Exempt: kube-system-like exemptions do not apply here; a namespace without labels adds
      // only the default privileged enforce policy.
      await ok(['create', 'namespace', 'psa-none']);
      await ok(['create', '-n', 'psa-none', '-f', '-'], podYaml('free'));
      for (let i = 0; i < 50; i++) {
        events = auditEvents();
        if (events.some((e) => e.objectRef?.namespace === 'psa-none' && e.verb === 'create')) break;
        await sleep(100);
      }
      const free = events.find(
        (e) =>
          e.verb === 'create' &&
          e.objectRef?.namespace === 'psa-none' &&
          e.objectRef.name === 'free',
      );
      assert.ok(free);
      assert.equal(
        free.annotations?.['pod-security.kubernetes.io/enforce-policy'],
        'privileged:latest',
      );
      assert.equal(free.annotations['pod-security.kubernetes.io/audit-violations'], undefined);
    });

    it('never writes a custom resource named in the EncryptionConfiguration in clear', async () => {
      await ok(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: 'widgets.example.com' },
          spec: {
            group: 'example.com',
            scope: 'Namespaced',
            names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
            versions: [
              {
                name: 'v1',
                served: true,
                storage: true,
                schema: {
                  openAPIV3Schema: {
                    type: 'object',
                    properties: {
                      spec: { type: 'object', properties: { secret: { type: 'string' } } },
                    },
                  },
                },
              },
            ],
          },
        }),
      );
      await ok(['wait', '--for=condition=Established', '--timeout=20s', 'crd/widgets.example.com']);
      const marker = `w1dg3t-${randomBytes(8).toString('hex')}`;
      const control = `g4dg3t-${randomBytes(8).toString('hex')}`;
      await ok(
        ['create', '-f', '-'],
        JSON.stringify({
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          metadata: { name: 'w', namespace: 'default' },
          spec: { secret: marker },
        }),
      );
      await ok(['create', 'configmap', 'control', `--from-literal=v=${control}`]);
      assert.equal(await ok(['get', 'widget', 'w', '-o', 'jsonpath={.spec.secret}']), marker);
      // An update re-encrypts with the first provider too.
      await ok(['label', 'widget', 'w', 'touched=yes']);
      assert.equal(await ok(['get', 'widget', 'w', '-o', 'jsonpath={.spec.secret}']), marker);
      const raw = Buffer.concat(
        ['state.db', 'state.db-wal']
          .map((f) => join(s.dataDir, f))
          .filter((f) => existsSync(f))
          .map((f) => readFileSync(f)),
      );
      assert.ok(
        raw.includes(Buffer.from('k8s:enc:aesgcm:v1:crkey:')),
        'the encrypted prefix is stored',
      );
      assert.equal(raw.includes(Buffer.from(marker)), false, 'the widget is stored in clear');
      // Control: a ConfigMap, not configured for encryption, is stored as JSON.
      assert.ok(raw.includes(Buffer.from(control)), 'the control ConfigMap is found in clear');
    });
  },
);
