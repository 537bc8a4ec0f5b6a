import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterRole } from 'kubernetes-types/rbac/v1.js';
import {
  aggregateClusterRole,
  aggregationNeedsUpdate,
  bootstrapClusterRoles,
} from '../../api/index.ts';
import { withAggregatedRules } from './bootstrap.ts';

function names(roles: readonly ClusterRole[]): string[] {
  return roles.map((r) => r.metadata?.name ?? '');
}

void describe('withAggregatedRules', () => {
  it('creates the aggregated bootstrap roles with the rules the aggregator would write', () => {
    const expected = bootstrapClusterRoles();
    const writes = expected.map((role) => ({ operation: 'create' as const, role }));
    const out = withAggregatedRules([], writes);
    const final = out.map((w) => w.role);
    assert.deepEqual(names(final), names(expected));
    const aggregated = final.filter((r) => r.aggregationRule !== undefined);
    assert.ok(aggregated.length >= 3, 'admin, edit and view at least');
    for (const role of aggregated) {
      const rules = aggregateClusterRole(role, final);
      assert.ok(rules !== undefined);
      assert.equal(aggregationNeedsUpdate(role, rules), false, role.metadata?.name);
    }
    // admin selects edit's aggregate-to label and edit view's: the chain reached admin.
    const admin = final.find((r) => r.metadata?.name === 'admin');
    const view = final.find((r) => r.metadata?.name === 'view');
    assert.ok((admin?.rules?.length ?? 0) > (view?.rules?.length ?? 0));
    assert.ok((view?.rules?.length ?? 0) > 0);
    // The input is not modified.
    assert.equal(expected.find((r) => r.metadata?.name === 'admin')?.rules?.length ?? 0, 0);
  });

  it('leaves updates and roles without an aggregationRule alone', () => {
    const plain: ClusterRole = {
      metadata: { name: 'p', labels: { 'rbac.authorization.k8s.io/aggregate-to-x': 'true' } },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
    };
    const agg: ClusterRole = {
      metadata: { name: 'x' },
      aggregationRule: {
        clusterRoleSelectors: [
          { matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-x': 'true' } },
        ],
      },
    };
    const updated = withAggregatedRules([plain], [{ operation: 'update', role: agg }]);
    assert.equal(updated[0]?.role.rules, undefined);
    const created = withAggregatedRules([plain], [{ operation: 'create', role: agg }]);
    assert.deepEqual(created[0]?.role.rules, plain.rules);
  });
});
