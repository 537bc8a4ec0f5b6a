import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { StatusError } from '../errors.ts';
import type { PluginAttributes } from './attributes.ts';
import {
  admitPriority,
  systemPriorityClasses,
  validatePriorityClassAdmission,
} from './priority.ts';

const pc = (
  name: string,
  value: number,
  globalDefault = false,
  preemptionPolicy?: string,
): PriorityClass => ({
  metadata: { name },
  value,
  globalDefault,
  ...(preemptionPolicy === undefined ? {} : { preemptionPolicy }),
});
// upstream priority admission_test.go fixtures
const defaultClass1 = pc('default1', 1000, true);
const defaultClass2 = pc('default2', 2000, true);
const nondefaultClass1 = pc('nondefault1', 2000);
const neverPreempt = pc('nopreemptionpolicy', 2000, false, 'Never');
const preemptLower = pc('preemptlowerpriority', 2000, false, 'PreemptLowerPriority');
const system = systemPriorityClasses();

function pod(priorityClassName?: string, extra: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return {
    metadata: { name: 'pod-w-priorityclass', namespace: 'namespace' },
    spec: {
      containers: [{ name: 'c', image: 'x' }],
      ...(priorityClassName === undefined ? {} : { priorityClassName }),
      ...extra,
    },
  };
}

function attrs(
  obj: object,
  operation: PluginAttributes['operation'] = 'CREATE',
  oldObject?: object,
): PluginAttributes {
  return {
    operation,
    resource: { group: '', resource: 'pods' },
    subresource: '',
    name: 'pod-w-priorityclass',
    namespace: 'namespace',
    object: obj as Record<string, unknown>,
    ...(oldObject === undefined ? {} : { oldObject: oldObject as Record<string, unknown> }),
  };
}

describe('admitPriority (upstream TestPodAdmission)', () => {
  const cases: {
    name: string;
    classes: PriorityClass[];
    pod: Pod;
    priority?: number;
    policy?: string;
    className?: string;
    error?: string;
  }[] = [
    {
      name: 'Pod with priority class',
      classes: [defaultClass1, nondefaultClass1],
      pod: pod('nondefault1'),
      priority: 2000,
      policy: undefined,
    },
    {
      name: 'Pod without priority class',
      classes: [defaultClass1],
      pod: pod(),
      priority: 1000,
      className: 'default1',
    },
    {
      name: 'pod without priority class and no existing priority class',
      classes: [],
      pod: pod(),
      priority: 0,
      policy: 'PreemptLowerPriority',
    },
    {
      name: 'pod without priority class and no default class',
      classes: [nondefaultClass1],
      pod: pod(),
      priority: 0,
      policy: 'PreemptLowerPriority',
    },
    {
      name: 'pod with a system priority class',
      classes: system,
      pod: pod('system-cluster-critical'),
      priority: 2000000000,
      policy: 'PreemptLowerPriority',
    },
    {
      name: 'pod with system-node-critical not in the list',
      classes: [],
      pod: pod('system-node-critical'),
      priority: 2000001000,
    },
    {
      name: 'Pod with non-existing priority class',
      classes: [defaultClass1, nondefaultClass1],
      pod: pod('foo'),
      error: 'pods "pod-w-priorityclass" is forbidden: no PriorityClass with name foo was found',
    },
    {
      name: 'pod with integer priority',
      classes: [],
      pod: pod(undefined, { priority: 1000 }),
      error:
        'pods "pod-w-priorityclass" is forbidden: the integer value of priority (1000) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name',
    },
    {
      name: 'matching integer priority is accepted',
      classes: [nondefaultClass1],
      pod: pod('nondefault1', { priority: 2000 }),
      priority: 2000,
    },
    {
      name: 'multiple default classes resolve to the lowest',
      classes: [defaultClass2, defaultClass1],
      pod: pod(),
      priority: 1000,
      className: 'default1',
    },
    {
      name: 'pod with PreemptionPolicy Never from the class',
      classes: [neverPreempt],
      pod: pod('nopreemptionpolicy'),
      priority: 2000,
      policy: 'Never',
    },
    {
      name: 'pod with conflicting PreemptionPolicy',
      classes: [preemptLower],
      pod: pod('preemptlowerpriority', { preemptionPolicy: 'Never' }),
      error:
        'pods "pod-w-priorityclass" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.error !== undefined) {
        assert.throws(
          () => admitPriority(c.classes, attrs(c.pod)),
          (err: unknown) => {
            assert.ok(err instanceof StatusError);
            assert.equal(err.code, 403);
            assert.equal(err.message, c.error);
            return true;
          },
        );
        return;
      }
      const before = structuredClone(c.pod);
      const out = admitPriority(c.classes, attrs(c.pod)) as Pod | undefined;
      assert.deepEqual(c.pod, before, 'input untouched');
      assert.ok(out);
      assert.equal(out.spec?.priority, c.priority);
      if ('policy' in c) assert.equal(out.spec?.preemptionPolicy, c.policy);
      if (c.className !== undefined) assert.equal(out.spec?.priorityClassName, c.className);
    });
  }

  it('update restores priority and policy from the old pod', () => {
    const old = pod('nondefault1', { priority: 2000, preemptionPolicy: 'Never' });
    const out = admitPriority([], attrs(pod('nondefault1'), 'UPDATE', old)) as Pod | undefined;
    assert.equal(out?.spec?.priority, 2000);
    assert.equal(out.spec.preemptionPolicy, 'Never');
    assert.equal(admitPriority([], attrs(old, 'UPDATE', old)), undefined);
  });

  it('ignores subresources and other resources', () => {
    assert.equal(admitPriority([], { ...attrs(pod('foo')), subresource: 'status' }), undefined);
    assert.equal(
      admitPriority([], { ...attrs(pod('foo')), resource: { group: '', resource: 'services' } }),
      undefined,
    );
  });
});

describe('validatePriorityClassAdmission (upstream TestPriorityClassAdmission)', () => {
  const pcAttrs = (
    obj: PriorityClass,
    operation: PluginAttributes['operation'] = 'CREATE',
  ): PluginAttributes => ({
    operation,
    resource: { group: 'scheduling.k8s.io', resource: 'priorityclasses' },
    subresource: '',
    name: obj.metadata?.name ?? '',
    namespace: '',
    object: obj as unknown as Record<string, unknown>,
  });
  it('one default priority class', () => {
    validatePriorityClassAdmission([], pcAttrs(defaultClass1));
  });
  it('second default priority class', () => {
    assert.throws(
      () => {
        validatePriorityClassAdmission([defaultClass1], pcAttrs(defaultClass2));
      },
      {
        message:
          'priorityclasses.scheduling.k8s.io "default2" is forbidden: PriorityClass default1 is already marked as default. Only one default can exist',
      },
    );
  });
  it('create system priority class name is not checked here', () => {
    validatePriorityClassAdmission([], pcAttrs(pc('system-x', 5)));
  });
  it('updating the existing default is allowed', () => {
    validatePriorityClassAdmission([defaultClass1], pcAttrs(defaultClass1, 'UPDATE'));
  });
  it('switching another class to default is refused', () => {
    assert.throws(() => {
      validatePriorityClassAdmission(
        [defaultClass1, nondefaultClass1],
        pcAttrs(pc('nondefault1', 2000, true), 'UPDATE'),
      );
    }, /already marked as default/);
  });
});
