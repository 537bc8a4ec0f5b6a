// Admission-level behaviour, after upstream admission/admission_test.go and the texts the
// 1.32 API server returns (kubectl shows them verbatim).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { PodSecurityAdmission, isSignificantPodUpdate } from './admission.ts';
import type { PodSecurityAdmissionOptions, PodSecurityAttributes } from './admission.ts';

const RESTRICTED_PLAIN =
  'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

function pod(name: string, extra: Partial<Pod['spec']> = {}, meta: Pod['metadata'] = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', ...meta },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...extra },
  };
}

const restrictedPod = (name: string): Pod =>
  pod(name, {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'c',
        image: 'nginx',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
    ],
  });

const privilegedPod = (name: string, extra: Partial<Pod['spec']> = {}): Pod =>
  pod(name, {
    containers: [{ name: 'c', image: 'nginx', securityContext: { privileged: true } }],
    ...extra,
  });

interface Env {
  labels: Record<string, Record<string, string>>;
  pods?: Pod[];
  options?: PodSecurityAdmissionOptions;
  now?: () => number;
}

function plugin(env: Env): { psa: PodSecurityAdmission; listed: string[] } {
  const listed: string[] = [];
  const psa = new PodSecurityAdmission(
    {
      getNamespaceLabels: (name) => Promise.resolve(env.labels[name]),
      listPods: (ns) => {
        listed.push(ns);
        return env.pods ?? [];
      },
      ...(env.now === undefined ? {} : { now: env.now }),
    },
    env.options,
  );
  return { psa, listed };
}

function podAttrs(obj: unknown, extra: Partial<PodSecurityAttributes> = {}): PodSecurityAttributes {
  return {
    operation: 'CREATE',
    resource: { group: '', version: 'v1', resource: 'pods' },
    subresource: '',
    namespace: 'ns',
    name: '',
    object: obj,
    userInfo: { username: 'alice', groups: [] },
    ...extra,
  };
}

const L = (enforce?: string, warn?: string, audit?: string): Record<string, string> => {
  const l: Record<string, string> = {};
  if (enforce !== undefined) l['pod-security.kubernetes.io/enforce'] = enforce;
  if (warn !== undefined) l['pod-security.kubernetes.io/warn'] = warn;
  if (audit !== undefined) l['pod-security.kubernetes.io/audit'] = audit;
  return l;
};

describe('PodSecurityAdmission: pods', () => {
  it('denies a pod violating enforce=restricted with the exact upstream error', async () => {
    const { psa } = plugin({ labels: { ns: L('restricted') } });
    const r = await psa.validate(podAttrs(pod('x')));
    assert.equal(r.allowed, false);
    assert.ok(r.error);
    assert.equal(r.error.code, 403);
    assert.equal(r.error.reason, 'Forbidden');
    assert.equal(
      r.error.message,
      `pods "x" is forbidden: violates PodSecurity "restricted:latest": ${RESTRICTED_PLAIN}`,
    );
    assert.deepEqual(r.error.status.details, { name: 'x', kind: 'pods' });
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.auditAnnotations, {
      'pod-security.kubernetes.io/enforce-policy': 'restricted:latest',
    });
  });

  it('denies a privileged pod at baseline with a pinned version', async () => {
    const { psa } = plugin({
      labels: { ns: { ...L('baseline'), 'pod-security.kubernetes.io/enforce-version': 'v1.30' } },
    });
    const r = await psa.validate(podAttrs(privilegedPod('p'), { name: 'p' }));
    assert.equal(
      r.error?.message,
      'pods "p" is forbidden: violates PodSecurity "baseline:v1.30": privileged (container "c" must not set securityContext.privileged=true)',
    );
  });

  it('allows a compliant pod and records the enforced policy', async () => {
    const { psa } = plugin({ labels: { ns: L('restricted') } });
    const r = await psa.validate(podAttrs(restrictedPod('ok')));
    assert.deepEqual(r, {
      allowed: true,
      warnings: [],
      auditAnnotations: { 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest' },
    });
  });

  it('allows anything in a fully privileged namespace (the default)', async () => {
    const { psa } = plugin({ labels: { ns: {} } });
    const r = await psa.validate(podAttrs(privilegedPod('p')));
    assert.deepEqual(r, {
      allowed: true,
      warnings: [],
      auditAnnotations: { 'pod-security.kubernetes.io/enforce-policy': 'privileged:latest' },
    });
  });

  it('warns (and audits) without denying when only warn/audit are set', async () => {
    const { psa } = plugin({ labels: { ns: L('baseline', 'restricted', 'restricted') } });
    const r = await psa.validate(podAttrs(pod('x')));
    assert.equal(r.allowed, true);
    assert.deepEqual(r.warnings, [
      `would violate PodSecurity "restricted:latest": ${RESTRICTED_PLAIN}`,
    ]);
    assert.deepEqual(r.auditAnnotations, {
      'pod-security.kubernetes.io/enforce-policy': 'baseline:latest',
      'pod-security.kubernetes.io/audit-violations': `would violate PodSecurity "restricted:latest": ${RESTRICTED_PLAIN}`,
    });
  });

  it('does not warn on a request it denies, but still audits', async () => {
    const { psa } = plugin({ labels: { ns: L('baseline', 'restricted', 'restricted') } });
    const r = await psa.validate(podAttrs(privilegedPod('p')));
    assert.equal(r.allowed, false);
    assert.deepEqual(r.warnings, []);
    assert.match(
      r.auditAnnotations['pod-security.kubernetes.io/audit-violations'] ?? '',
      /^would violate PodSecurity "restricted:latest": privileged \(/,
    );
  });

  it('fails closed on bad enforce labels and records the parse error', async () => {
    const { psa } = plugin({ labels: { ns: L('bogus') } });
    const r = await psa.validate(podAttrs(pod('x')));
    assert.equal(r.allowed, false);
    assert.match(r.error?.message ?? '', /violates PodSecurity "restricted:latest"/);
    assert.equal(
      r.auditAnnotations['pod-security.kubernetes.io/error'],
      'Failed to parse policy: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted',
    );
  });

  it('returns 500 when the namespace cannot be found', async () => {
    const { psa } = plugin({ labels: {} });
    const r = await psa.validate(podAttrs(pod('x')));
    assert.equal(r.allowed, false);
    assert.ok(r.error);
    assert.equal(r.error.code, 500);
    assert.equal(r.error.message, 'Internal error occurred: failed to lookup namespace "ns"');
    assert.equal(
      r.auditAnnotations['pod-security.kubernetes.io/error'],
      'Internal error occurred: failed to lookup namespace "ns": namespaces "ns" not found',
    );
  });

  const exemptions: {
    name: string;
    attrs: Partial<PodSecurityAttributes>;
    obj: Pod;
    reason: string;
  }[] = [
    {
      name: 'user',
      attrs: { userInfo: { username: 'admin', groups: [] } },
      obj: pod('x'),
      reason: 'user',
    },
    { name: 'namespace', attrs: { namespace: 'kube-system' }, obj: pod('x'), reason: 'namespace' },
    {
      name: 'runtimeClass',
      attrs: {},
      obj: pod('x', { runtimeClassName: 'kata' }),
      reason: 'runtimeClass',
    },
  ];
  for (const e of exemptions) {
    it(`exempts by ${e.name}`, async () => {
      const { psa } = plugin({
        labels: { ns: L('restricted'), 'kube-system': L('restricted') },
        options: {
          configuration: {
            exemptions: {
              usernames: ['admin'],
              namespaces: ['kube-system'],
              runtimeClasses: ['kata'],
            },
          },
        },
      });
      const r = await psa.validate(podAttrs(e.obj, e.attrs));
      assert.deepEqual(r, {
        allowed: true,
        warnings: [],
        auditAnnotations: { 'pod-security.kubernetes.io/exempt': e.reason },
      });
    });
  }

  it('uses configured defaults for unlabelled namespaces', async () => {
    const { psa } = plugin({
      labels: { ns: {} },
      options: {
        configuration: {
          defaults: { enforce: 'baseline', warn: 'restricted', warnVersion: 'v1.30' },
        },
      },
    });
    const r = await psa.validate(podAttrs(pod('x')));
    assert.equal(r.allowed, true);
    assert.deepEqual(r.warnings, [
      `would violate PodSecurity "restricted:v1.30": ${RESTRICTED_PLAIN}`,
    ]);
    assert.throws(
      () => plugin({ labels: {}, options: { configuration: { defaults: { enforce: 'x' } } } }),
      /invalid enforce level/,
    );
  });

  it('ignores read-only subresources but checks ephemeralcontainers', async () => {
    const { psa } = plugin({ labels: { ns: L('restricted') } });
    for (const sub of [
      'status',
      'exec',
      'attach',
      'binding',
      'eviction',
      'log',
      'portforward',
      'proxy',
    ]) {
      const r = await psa.validate(
        podAttrs(pod('x'), { subresource: sub, operation: 'UPDATE', oldObject: pod('x') }),
      );
      assert.deepEqual(r, { allowed: true, warnings: [], auditAnnotations: {} }, sub);
    }
    const old = restrictedPod('x');
    const withDebug = structuredClone(old);
    withDebug.spec = {
      ...withDebug.spec!,
      ephemeralContainers: [{ name: 'debug', image: 'busybox' }],
    };
    const r = await psa.validate(
      podAttrs(withDebug, {
        subresource: 'ephemeralcontainers',
        operation: 'UPDATE',
        oldObject: old,
      }),
    );
    assert.equal(r.allowed, false);
    assert.match(
      r.error?.message ?? '',
      /^pods "x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "debug"/,
    );
  });

  it('does not re-check insignificant pod updates', async () => {
    const { psa } = plugin({ labels: { ns: L('restricted') } });
    const old = pod('x');
    const relabelled = pod('x', {}, { labels: { a: 'b' } });
    assert.deepEqual(
      await psa.validate(podAttrs(relabelled, { operation: 'UPDATE', oldObject: old })),
      {
        allowed: true,
        warnings: [],
        auditAnnotations: {},
      },
    );
    const newImage = pod('x', { containers: [{ name: 'c', image: 'nginx:2' }] });
    const r = await psa.validate(podAttrs(newImage, { operation: 'UPDATE', oldObject: old }));
    assert.equal(r.allowed, false);
  });

  it('ignores DELETE and CONNECT and unrelated resources', async () => {
    const { psa } = plugin({ labels: { ns: L('restricted') } });
    for (const operation of ['DELETE', 'CONNECT'] as const) {
      assert.equal((await psa.validate(podAttrs(pod('x'), { operation }))).allowed, true);
    }
    const svc = await psa.validate(podAttrs({}, { resource: { group: '', resource: 'services' } }));
    assert.deepEqual(svc, { allowed: true, warnings: [], auditAnnotations: {} });
  });
});

describe('PodSecurityAdmission: workloads', () => {
  const template = {
    metadata: { labels: { app: 'a' } },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  };
  const workloads: { resource: { group: string; resource: string }; obj: unknown }[] = [
    { resource: { group: 'apps', resource: 'deployments' }, obj: { spec: { template } } },
    { resource: { group: 'apps', resource: 'replicasets' }, obj: { spec: { template } } },
    { resource: { group: 'apps', resource: 'statefulsets' }, obj: { spec: { template } } },
    { resource: { group: 'apps', resource: 'daemonsets' }, obj: { spec: { template } } },
    { resource: { group: 'batch', resource: 'jobs' }, obj: { spec: { template } } },
    {
      resource: { group: 'batch', resource: 'cronjobs' },
      obj: { spec: { jobTemplate: { spec: { template } } } },
    },
    { resource: { group: '', resource: 'replicationcontrollers' }, obj: { spec: { template } } },
    { resource: { group: '', resource: 'podtemplates' }, obj: { template } },
  ];
  for (const w of workloads) {
    it(`warns, never denies, for ${w.resource.resource}`, async () => {
      const { psa } = plugin({ labels: { ns: L('restricted', 'restricted') } });
      const r = await psa.validate(podAttrs(w.obj, { resource: w.resource, name: 'w' }));
      assert.deepEqual(r, {
        allowed: true,
        warnings: [`would violate PodSecurity "restricted:latest": ${RESTRICTED_PLAIN}`],
        auditAnnotations: {},
      });
    });
  }

  it('skips workloads when warn and audit are privileged, even if enforce is not', async () => {
    const { psa } = plugin({ labels: { ns: L('restricted') } });
    const r = await psa.validate(
      podAttrs({ spec: { template } }, { resource: { group: 'apps', resource: 'deployments' } }),
    );
    assert.deepEqual(r, { allowed: true, warnings: [], auditAnnotations: {} });
  });

  it('skips a replication controller without a template and subresources', async () => {
    const { psa } = plugin({ labels: { ns: L('restricted', 'restricted') } });
    const rc = await psa.validate(
      podAttrs({ spec: {} }, { resource: { group: '', resource: 'replicationcontrollers' } }),
    );
    assert.deepEqual(rc.warnings, []);
    const scale = await psa.validate(
      podAttrs(
        { spec: { template } },
        { resource: { group: 'apps', resource: 'deployments' }, subresource: 'scale' },
      ),
    );
    assert.deepEqual(scale.warnings, []);
  });

  it('allows with an audit annotation when the namespace lookup fails', async () => {
    const { psa } = plugin({ labels: {} });
    const r = await psa.validate(
      podAttrs({ spec: { template } }, { resource: { group: 'apps', resource: 'deployments' } }),
    );
    assert.deepEqual(r, {
      allowed: true,
      warnings: [],
      auditAnnotations: {
        'pod-security.kubernetes.io/error':
          'failed to lookup namespace "ns": namespaces "ns" not found',
      },
    });
  });
});

describe('PodSecurityAdmission: namespaces', () => {
  const nsAttrs = (
    labels: Record<string, string>,
    oldLabels?: Record<string, string>,
    extra: Partial<PodSecurityAttributes> = {},
  ): PodSecurityAttributes => ({
    operation: oldLabels === undefined ? 'CREATE' : 'UPDATE',
    resource: { group: '', version: 'v1', resource: 'namespaces' },
    subresource: '',
    namespace: 'test',
    name: 'test',
    object: { metadata: { name: 'test', labels } },
    ...(oldLabels === undefined
      ? {}
      : { oldObject: { metadata: { name: 'test', labels: oldLabels } } }),
    ...extra,
  });
  const E = 'pod-security.kubernetes.io/enforce';
  const EV = 'pod-security.kubernetes.io/enforce-version';
  const table: {
    name: string;
    labels: Record<string, string>;
    old?: Record<string, string>;
    exempt?: string[];
    allowed: boolean;
    error?: string;
    listed: boolean;
  }[] = [
    {
      name: 'create privileged',
      labels: { [E]: 'privileged', [EV]: 'v1.0' },
      allowed: true,
      listed: false,
    },
    { name: 'create baseline', labels: { [E]: 'baseline' }, allowed: true, listed: false },
    {
      name: 'create malformed level',
      labels: { [E]: 'unknown' },
      allowed: false,
      error:
        'Namespace "test" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "unknown": must be one of privileged, baseline, restricted',
      listed: false,
    },
    {
      name: 'create malformed version',
      labels: { [E]: 'privileged', [EV]: 'unknown' },
      allowed: false,
      error:
        'Namespace "test" is invalid: metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "unknown": must be "latest" or "v1.x"',
      listed: false,
    },
    {
      name: 'update no-op',
      labels: { [E]: 'restricted', [EV]: 'v1.0' },
      old: { [E]: 'restricted', [EV]: 'v1.0' },
      allowed: true,
      listed: false,
    },
    {
      name: 'update no-op malformed level',
      labels: { [E]: 'unknown' },
      old: { [E]: 'unknown' },
      allowed: true,
      listed: false,
    },
    {
      name: 'update relax level identical version',
      labels: { [E]: 'baseline', [EV]: 'v1.0' },
      old: { [E]: 'restricted', [EV]: 'v1.0' },
      allowed: true,
      listed: false,
    },
    {
      name: 'update relax level implicit latest',
      labels: { [E]: 'baseline' },
      old: { [E]: 'restricted' },
      allowed: true,
      listed: false,
    },
    {
      name: 'update to explicit privileged',
      labels: { [E]: 'privileged' },
      old: { [E]: 'restricted', [EV]: 'v1.0' },
      allowed: true,
      listed: false,
    },
    {
      name: 'update to implicit privileged',
      labels: {},
      old: { [E]: 'restricted', [EV]: 'v1.0' },
      allowed: true,
      listed: false,
    },
    {
      name: 'update exempt to restricted',
      labels: { [E]: 'restricted', [EV]: 'v1.0' },
      old: {},
      exempt: ['test'],
      allowed: true,
      listed: false,
    },
    {
      name: 'update malformed level',
      labels: { [E]: 'unknown' },
      old: { [E]: 'restricted', [EV]: 'v1.0' },
      allowed: false,
      error: 'must be one of privileged, baseline, restricted',
      listed: false,
    },
    {
      name: 'update tighten level',
      labels: { [E]: 'restricted' },
      old: { [E]: 'baseline' },
      allowed: true,
      listed: true,
    },
    {
      name: 'update change version only',
      labels: { [E]: 'baseline', [EV]: 'v1.20' },
      old: { [E]: 'baseline' },
      allowed: true,
      listed: true,
    },
  ];
  for (const c of table) {
    it(c.name, async () => {
      const { psa, listed } = plugin({
        labels: {},
        options: { configuration: { exemptions: { namespaces: c.exempt ?? [] } } },
      });
      const r = await psa.validate(nsAttrs(c.labels, c.old));
      assert.equal(r.allowed, c.allowed);
      if (c.error === undefined) assert.equal(r.error, undefined);
      else {
        assert.ok(r.error);
        assert.equal(r.error.code, 422);
        assert.ok(r.error.message.includes(c.error), r.error.message);
      }
      assert.equal(listed.length > 0, c.listed);
    });
  }

  it('warns about existing pods that violate a tightened enforce level', async () => {
    const owner = (uid: string): Pod['metadata'] => ({
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid, controller: true },
      ],
    });
    const pods: Pod[] = [
      restrictedPod('good'),
      pod('zeta'),
      pod('alpha'),
      pod('mid', {}, owner('u1')),
      pod('mid2', {}, owner('u1')),
      privilegedPod('priv'),
      privilegedPod('kata', { runtimeClassName: 'kata' }),
    ];
    const { psa, listed } = plugin({
      labels: {},
      pods,
      options: { configuration: { exemptions: { runtimeClasses: ['kata'] } } },
    });
    const r = await psa.validate(nsAttrs({ [E]: 'restricted' }, { [E]: 'baseline' }));
    assert.deepEqual(listed, ['test']);
    assert.deepEqual(r, {
      allowed: true,
      warnings: [
        'existing pods in namespace "test" violate the new PodSecurity enforce level "restricted:latest"',
        'alpha (and 3 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
        'priv: privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
      ],
      auditAnnotations: {},
    });
  });

  it('bounds the pod checks by count and time', async () => {
    const pods = [pod('a'), pod('b'), pod('c'), pod('d')];
    const byCount = plugin({ labels: {}, pods, options: { namespaceMaxPodsToCheck: 2 } });
    const r1 = await byCount.psa.validate(nsAttrs({ [E]: 'restricted' }, {}));
    assert.deepEqual(r1.warnings.slice(0, 2), [
      'new PodSecurity enforce level only checked against the first 2 of 4 existing pods',
      'existing pods in namespace "test" violate the new PodSecurity enforce level "restricted:latest"',
    ]);
    assert.match(r1.warnings[2] ?? '', /^a \(and 1 other pod\): /);

    let t = 0;
    const byTime = plugin({
      labels: {},
      pods,
      now: () => (t += 600),
    });
    const r2 = await byTime.psa.validate(nsAttrs({ [E]: 'restricted' }, {}));
    assert.equal(
      r2.warnings[0],
      'new PodSecurity enforce level only checked against the first 2 of 4 existing pods',
    );
  });

  it('reports a failed pod listing as a warning', async () => {
    const psa = new PodSecurityAdmission({
      getNamespaceLabels: () => ({}),
      listPods: () => Promise.reject(new Error('boom')),
    });
    const r = await psa.validate(nsAttrs({ [E]: 'restricted' }, {}));
    assert.deepEqual(r.warnings, [
      'failed to list pods while checking new PodSecurity enforce level',
    ]);
  });

  it('warns when an exempt namespace sets a policy', async () => {
    const { psa } = plugin({
      labels: {},
      options: { configuration: { exemptions: { namespaces: ['test'] } } },
    });
    const r = await psa.validate(
      nsAttrs({
        [E]: 'restricted',
        'pod-security.kubernetes.io/warn': 'baseline',
        'pod-security.kubernetes.io/audit-version': 'v1.30',
      }),
    );
    assert.deepEqual(r.warnings, [
      'namespace "test" is exempt from Pod Security, and the policy (enforce=restricted:latest, warn=baseline:latest) will be ignored',
    ]);
    const none = await psa.validate(nsAttrs({ [E]: 'privileged' }));
    assert.deepEqual(none.warnings, []);
    // Update of an exempt namespace passed with namespace '': no pod listing, the warning.
    const upd = await psa.validate(nsAttrs({ [E]: 'baseline' }, {}, { namespace: '' }));
    assert.deepEqual(upd.warnings, [
      'namespace "test" is exempt from Pod Security, and the policy (enforce=baseline:latest) will be ignored',
    ]);
  });
});

describe('isSignificantPodUpdate', () => {
  const base = pod('x', {
    initContainers: [{ name: 'i', image: 'busybox' }],
    ephemeralContainers: [{ name: 'e', image: 'busybox' }],
  });
  const with_ = (f: (p: Pod) => void): Pod => {
    const p = structuredClone(base);
    f(p);
    return p;
  };
  const cases: [string, Pod, boolean][] = [
    ['no change', with_(() => undefined), false],
    [
      'labels and status',
      with_((p) => {
        p.metadata!.labels = { a: 'b' };
        (p as { status?: unknown }).status = { phase: 'Running' };
      }),
      false,
    ],
    [
      'resources',
      with_((p) => {
        p.spec!.containers[0]!.resources = { limits: { cpu: '1' } };
      }),
      false,
    ],
    [
      'image',
      with_((p) => {
        p.spec!.containers[0]!.image = 'nginx:2';
      }),
      true,
    ],
    [
      'init image',
      with_((p) => {
        p.spec!.initContainers![0]!.image = 'x';
      }),
      true,
    ],
    [
      'container added',
      with_((p) => {
        p.spec!.containers.push({ name: 'd' });
      }),
      true,
    ],
    [
      'ephemeral added',
      with_((p) => {
        p.spec!.ephemeralContainers!.push({ name: 'f' });
      }),
      true,
    ],
    [
      'ephemeral image',
      with_((p) => {
        p.spec!.ephemeralContainers![0]!.image = 'y';
      }),
      true,
    ],
    [
      'seccomp annotation',
      with_((p) => {
        p.metadata!.annotations = {
          'container.seccomp.security.alpha.kubernetes.io/c': 'unconfined',
        };
      }),
      true,
    ],
  ];
  for (const [name, updated, want] of cases) {
    it(name, () => {
      assert.equal(isSignificantPodUpdate(updated, base), want);
    });
  }
});
