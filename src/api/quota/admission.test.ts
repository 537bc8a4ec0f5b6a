import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, ResourceQuota } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../errors.ts';
import { checkQuotas, quotaAdmissionApplies } from './admission.ts';
import type { PluginAttributes } from './attributes.ts';

type Res = Record<string, string>;

function quota(
  name: string,
  hard: Res,
  used: Res,
  extra: Partial<ResourceQuota['spec']> = {},
): ResourceQuota {
  return {
    metadata: { name, namespace: 'test', resourceVersion: '124' },
    spec: { hard, ...extra },
    status: { hard, used },
  };
}

function validPod(name: string, n: number, requests: Res, limits: Res = {}): Pod {
  return {
    metadata: { name, namespace: 'test' },
    spec: {
      containers: Array.from({ length: n }, (_, i) => ({
        name: `c${String(i)}`,
        image: `foo:V${String(i)}`,
        resources: {
          ...(Object.keys(requests).length > 0 ? { requests } : {}),
          ...(Object.keys(limits).length > 0 ? { limits } : {}),
        },
      })),
    },
  };
}

function create(
  obj: object,
  resource = 'pods',
  group = '',
  extra: Partial<PluginAttributes> = {},
): PluginAttributes {
  const meta = (obj as { metadata?: { name?: string } }).metadata;
  return {
    operation: 'CREATE',
    resource: { group, resource },
    subresource: '',
    name: meta?.name ?? '',
    namespace: 'test',
    object: obj as Record<string, unknown>,
    ...extra,
  };
}

function forbidden(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.message, message);
    return true;
  });
}

const computeHard = { cpu: '3', memory: '100Gi', pods: '5' };
const computeUsed = { cpu: '1', memory: '50Gi', pods: '3' };

describe('checkQuotas (upstream resourcequota admission_test.go)', () => {
  it('ignores deletes and subresources', () => {
    const q = quota('quota', { memory: '2Gi' }, { memory: '1Gi' });
    const pod = validPod('123', 1, { cpu: '100m', memory: '2Gi' });
    assert.deepEqual(checkQuotas([q], { ...create(pod), operation: 'DELETE', object: undefined }), {
      updated: [],
    });
    assert.deepEqual(checkQuotas([q], create(pod, 'pods', '', { subresource: 'subresource' })), {
      updated: [],
    });
    assert.throws(() => checkQuotas([q], create(pod)));
  });

  it('admits below the limit and charges the usage (TestAdmitBelowQuotaLimit)', () => {
    const q = quota('quota', computeHard, computeUsed);
    const before = structuredClone(q);
    const res = checkQuotas(
      [q],
      create(validPod('allowed-pod', 1, { cpu: '100m', memory: '2Gi' })),
    );
    assert.equal(res.updated.length, 1);
    const first = res.updated[0];
    assert.ok(first);
    assert.deepEqual(first.status?.used, { cpu: '1100m', memory: '52Gi', pods: '4' });
    assert.equal(first.metadata?.resourceVersion, '124');
    assert.deepEqual(q, before, 'input quota untouched');
  });

  it('dry run is checked but charges nothing', () => {
    const q = quota('quota', computeHard, computeUsed);
    assert.deepEqual(
      checkQuotas(
        [q],
        create(validPod('p', 1, { cpu: '100m', memory: '2Gi' }), 'pods', '', { dryRun: true }),
      ),
      { updated: [] },
    );
    assert.throws(() =>
      checkQuotas(
        [q],
        create(validPod('p', 1, { cpu: '3', memory: '2Gi' }), 'pods', '', { dryRun: true }),
      ),
    );
  });

  it('rejects above the limit with the upstream message (TestAdmitExceedQuotaLimit)', () => {
    const q = quota('quota', computeHard, computeUsed);
    forbidden(
      () => checkQuotas([q], create(validPod('not-allowed-pod', 1, { cpu: '3', memory: '2Gi' }))),
      'pods "not-allowed-pod" is forbidden: exceeded quota: quota, requested: cpu=3, used: cpu=1, limited: cpu=3',
    );
  });

  it('pods count message', () => {
    const q = quota('q', { pods: '10' }, { pods: '10' });
    forbidden(
      () => checkQuotas([q], create(validPod('p', 1, {}))),
      'pods "p" is forbidden: exceeded quota: q, requested: pods=1, used: pods=10, limited: pods=10',
    );
  });

  it('several exceeded resources are listed sorted', () => {
    const q = quota(
      'compute',
      { 'requests.cpu': '1', 'requests.memory': '1Gi' },
      { 'requests.cpu': '900m', 'requests.memory': '1000Mi' },
    );
    forbidden(
      () => checkQuotas([q], create(validPod('p', 1, { cpu: '200m', memory: '100Mi' }))),
      'pods "p" is forbidden: exceeded quota: compute, requested: requests.cpu=200m,requests.memory=100Mi, used: requests.cpu=900m,requests.memory=1000Mi, limited: requests.cpu=1,requests.memory=1Gi',
    );
  });

  it('enforces quota constraints (TestAdmitEnforceQuotaConstraints)', () => {
    const hard = { cpu: '3', memory: '100Gi', 'limits.memory': '200Gi', pods: '5' };
    const q = quota('quota', hard, {
      cpu: '1',
      memory: '50Gi',
      'limits.memory': '100Gi',
      pods: '3',
    });
    forbidden(
      () =>
        checkQuotas(
          [q],
          create(validPod('not-allowed-pod', 1, { cpu: '100m', memory: '2Gi' }, { cpu: '200m' })),
        ),
      'pods "not-allowed-pod" is forbidden: failed quota: quota: must specify limits.memory for: c0',
    );
  });

  it('must specify message for requests and limits', () => {
    const hard = { 'limits.cpu': '2', 'requests.cpu': '1', 'requests.memory': '1Gi' };
    const q = quota('q', hard, { 'limits.cpu': '0', 'requests.cpu': '0', 'requests.memory': '0' });
    const pod: Pod = {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', resources: { requests: { memory: '1Mi' } } }] },
    };
    forbidden(
      () => checkQuotas([q], create(pod)),
      'pods "p" is forbidden: failed quota: q: must specify limits.cpu for: c; requests.cpu for: c',
    );
  });

  it('a namespace without quota admits (TestAdmitPodInNamespaceWithoutQuota)', () => {
    assert.deepEqual(checkQuotas([], create(validPod('p', 1, { cpu: '100m' }))), { updated: [] });
  });

  it('charges only matching scopes (TestAdmitBelowTerminatingQuotaLimit)', () => {
    const nonTerm = quota('quota-non-terminating', computeHard, computeUsed, {
      scopes: ['NotTerminating'],
    });
    const term = quota('quota-terminating', computeHard, computeUsed, { scopes: ['Terminating'] });
    const pod = validPod('allowed-pod', 1, { cpu: '100m', memory: '2Gi' });
    pod.spec = { ...pod.spec, containers: pod.spec?.containers ?? [], activeDeadlineSeconds: 30 };
    const res = checkQuotas([nonTerm, term], create(pod));
    assert.deepEqual(
      res.updated.map((q) => q.metadata?.name),
      ['quota-terminating'],
    );
    assert.deepEqual(res.updated[0]?.status?.used, { cpu: '1100m', memory: '52Gi', pods: '4' });
  });

  it('best-effort scope (TestAdmitBelowBestEffortQuotaLimit)', () => {
    const be = quota('quota-besteffort', { pods: '5' }, { pods: '3' }, { scopes: ['BestEffort'] });
    const notBe = quota(
      'quota-not-besteffort',
      { pods: '5' },
      { pods: '3' },
      { scopes: ['NotBestEffort'] },
    );
    const res = checkQuotas([be, notBe], create(validPod('allowed-pod', 1, {})));
    assert.deepEqual(
      res.updated.map((q) => q.metadata?.name),
      ['quota-besteffort'],
    );
    assert.deepEqual(res.updated[0]?.status?.used, { pods: '4' });
  });

  it('best-effort pod ignores a compute-only quota (TestAdmitBestEffortQuotaLimitIgnoresBurstable)', () => {
    const q = quota('quota', { cpu: '3', memory: '100Gi', pods: '5' }, computeUsed, {
      scopes: ['BestEffort'],
    });
    const res = checkQuotas(
      [q],
      create(validPod('allowed-pod', 1, { cpu: '100m', memory: '1Gi' })),
    );
    assert.deepEqual(res.updated, []);
  });

  it('priority class scope selector', () => {
    const q = quota(
      'pc',
      { pods: '1' },
      { pods: '1' },
      {
        scopeSelector: {
          matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }],
        },
      },
    );
    const low = validPod('low', 1, {});
    low.spec = { containers: low.spec?.containers ?? [], priorityClassName: 'low' };
    assert.deepEqual(checkQuotas([q], create(low)), { updated: [] });
    const high = validPod('high', 1, {});
    high.spec = { containers: high.spec?.containers ?? [], priorityClassName: 'high' };
    forbidden(
      () => checkQuotas([q], create(high)),
      'pods "high" is forbidden: exceeded quota: pc, requested: pods=1, used: pods=1, limited: pods=1',
    );
  });

  it('status unknown when used lacks a hard resource', () => {
    const q: ResourceQuota = {
      metadata: { name: 'q' },
      spec: { hard: { pods: '3' } },
      status: { hard: { pods: '3' } },
    };
    forbidden(
      () => checkQuotas([q], create(validPod('p', 1, {}))),
      'pods "p" is forbidden: status unknown for quota: q, resources: pods',
    );
  });

  it('a quota without status.hard does not apply yet', () => {
    const q: ResourceQuota = { metadata: { name: 'q' }, spec: { hard: { pods: '0' } } };
    assert.deepEqual(checkQuotas([q], create(validPod('p', 1, {}))), { updated: [] });
  });

  it('generic object count (count/<resource>.<group>)', () => {
    const q = quota('q', { 'count/deployments.apps': '1' }, { 'count/deployments.apps': '0' });
    const dep = { metadata: { name: 'd' } };
    const res = checkQuotas([q], create(dep, 'deployments', 'apps'));
    assert.deepEqual(res.updated[0]?.status?.used, { 'count/deployments.apps': '1' });
    const full = quota('q', { 'count/deployments.apps': '1' }, { 'count/deployments.apps': '1' });
    forbidden(
      () => checkQuotas([full], create(dep, 'deployments', 'apps')),
      'deployments.apps "d" is forbidden: exceeded quota: q, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1',
    );
  });

  it('services: nodeports are charged on update by the delta (TestAdmitBelowQuotaLimitWithUpdate style)', () => {
    const hard = { services: '10', 'services.nodeports': '1', 'services.loadbalancers': '1' };
    const q = quota('q', hard, {
      services: '1',
      'services.nodeports': '0',
      'services.loadbalancers': '0',
    });
    const old = {
      metadata: { name: 's', resourceVersion: '5' },
      spec: { type: 'ClusterIP', ports: [{ port: 80 }] },
    };
    const next = {
      metadata: { name: 's', resourceVersion: '5' },
      spec: { type: 'NodePort', ports: [{ port: 80 }] },
    };
    const res = checkQuotas([q], {
      ...create(next, 'services'),
      operation: 'UPDATE',
      oldObject: old,
    });
    assert.deepEqual(res.updated[0]?.status?.used, {
      services: '1',
      'services.loadbalancers': '0',
      'services.nodeports': '1',
    });
    const lb = {
      metadata: { name: 's' },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }, { port: 81 }] },
    };
    forbidden(
      () => checkQuotas([q], { ...create(lb, 'services'), operation: 'UPDATE', oldObject: old }),
      'services "s" is forbidden: exceeded quota: q, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1',
    );
  });

  it('update without an old object is forbidden', () => {
    const q = quota('q', { services: '10' }, { services: '1' });
    forbidden(
      () =>
        checkQuotas([q], {
          ...create({ metadata: { name: 's' }, spec: {} }, 'services'),
          operation: 'UPDATE',
        }),
      'services "s" is forbidden: unable to get previous usage since prior version of object was not found',
    );
  });

  it('pvc storage resize charges the growth', () => {
    const q = quota('q', { 'requests.storage': '10Gi' }, { 'requests.storage': '5Gi' });
    const old = {
      metadata: { name: 'c', resourceVersion: '1' },
      spec: { resources: { requests: { storage: '5Gi' } } },
    };
    const grow = {
      metadata: { name: 'c', resourceVersion: '1' },
      spec: { resources: { requests: { storage: '8Gi' } } },
    };
    const res = checkQuotas([q], {
      ...create(grow, 'persistentvolumeclaims'),
      operation: 'UPDATE',
      oldObject: old,
    });
    assert.deepEqual(res.updated[0]?.status?.used, { 'requests.storage': '8Gi' });
  });

  it('limited resources need a covering quota (TestAdmitLimitedResourceNoQuota)', () => {
    const limitedResources = [{ resource: 'pods', matchContains: ['cpu'] }];
    forbidden(
      () => checkQuotas([], create(validPod('p', 1, { cpu: '100m' })), { limitedResources }),
      'pods "p" is forbidden: insufficient quota to consume: cpu,requests.cpu',
    );
    const q = quota('q', { cpu: '1', 'requests.cpu': '1' }, { cpu: '0', 'requests.cpu': '0' });
    assert.equal(
      checkQuotas([q], create(validPod('p', 1, { cpu: '100m' })), { limitedResources }).updated
        .length,
      1,
    );
    assert.deepEqual(
      checkQuotas([], create(validPod('p', 1, { memory: '1Gi' })), { limitedResources }),
      { updated: [] },
    );
  });

  it('limited scopes need a covering quota (TestAdmitLimitedScopeWithCoverQuota)', () => {
    const limitedResources = [
      {
        resource: 'pods',
        matchScopes: [{ scopeName: 'PriorityClass', operator: 'In', values: ['cluster-services'] }],
      },
    ];
    const pod = validPod('p', 1, {});
    pod.spec = { containers: pod.spec?.containers ?? [], priorityClassName: 'cluster-services' };
    assert.throws(
      () => checkQuotas([], create(pod), { limitedResources }),
      /insufficient quota to match these scopes: \[\{PriorityClass In \[cluster-services\]\}\]/,
    );
    const q = quota(
      'q',
      { pods: '5' },
      { pods: '0' },
      {
        scopeSelector: {
          matchExpressions: [
            { scopeName: 'PriorityClass', operator: 'In', values: ['cluster-services'] },
          ],
        },
      },
    );
    assert.equal(checkQuotas([q], create(pod), { limitedResources }).updated.length, 1);
  });

  it('multiple quotas are all charged, in input order', () => {
    const a = quota('a', { pods: '5' }, { pods: '1' });
    const b = quota(
      'b',
      { 'count/pods': '5', 'requests.cpu': '1' },
      { 'count/pods': '2', 'requests.cpu': '100m' },
    );
    const res = checkQuotas([a, b], create(validPod('p', 1, { cpu: '100m' })));
    assert.deepEqual(
      res.updated.map((q) => q.status?.used),
      [{ pods: '2' }, { 'count/pods': '3', 'requests.cpu': '200m' }],
    );
  });

  it('generateName is used when the name is not yet known', () => {
    const q = quota('q', { pods: '0' }, { pods: '0' });
    forbidden(
      () =>
        checkQuotas([q], {
          ...create({ metadata: { generateName: 'web-' }, spec: { containers: [] } }),
          name: '',
        }),
      'pods "web-" is forbidden: exceeded quota: q, requested: pods=1, used: pods=0, limited: pods=0',
    );
  });

  it('quotaAdmissionApplies', () => {
    const pod = validPod('p', 1, {});
    assert.equal(quotaAdmissionApplies(create(pod)), true);
    assert.equal(quotaAdmissionApplies({ ...create(pod), operation: 'UPDATE' }), false);
    assert.equal(quotaAdmissionApplies({ ...create(pod), namespace: '' }), false);
    assert.equal(quotaAdmissionApplies(create({}, 'events')), false);
    assert.equal(quotaAdmissionApplies(create({}, 'namespaces')), false);
    assert.equal(quotaAdmissionApplies({ ...create({}, 'services'), operation: 'UPDATE' }), true);
  });

  it('concurrent creates never overshoot when the caller CASes status (simulation)', () => {
    // 50 requests race on one quota: each reads, checks and CASes; a stale read fails the CAS
    // and the request re-reads and retries, as the lead's loop does.
    let stored = quota('q', { pods: '10' }, { pods: '0' });
    let rv = 1;
    stored.metadata = { ...stored.metadata, resourceVersion: String(rv) };
    let admitted = 0;
    let rejected = 0;
    const pending = Array.from({ length: 50 }, (_, i) => ({ i, snapshot: stored }));
    while (pending.length > 0) {
      const req = pending.shift();
      if (req === undefined) break;
      try {
        const res = checkQuotas([req.snapshot], create(validPod(`p${String(req.i)}`, 1, {})));
        const next = res.updated[0];
        assert.ok(next);
        if (next.metadata?.resourceVersion !== stored.metadata?.resourceVersion) {
          pending.push({ i: req.i, snapshot: stored }); // conflict: re-read, retry
          continue;
        }
        rv++;
        stored = { ...next, metadata: { ...next.metadata, resourceVersion: String(rv) } };
        admitted++;
      } catch {
        rejected++;
      }
      // Interleave: some requests read before others write.
      if (pending[0] !== undefined && pending[0].i % 3 === 0) pending[0].snapshot = stored;
    }
    assert.equal(admitted, 10);
    assert.equal(rejected, 40);
    assert.deepEqual(stored.status?.used, { pods: '10' });
  });
});
