import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateMatchConditions } from './match-conditions.ts';
import type { AdmissionAttributes } from './types.ts';

const attrs: AdmissionAttributes = {
  operation: 'CREATE',
  resource: { group: '', version: 'v1', resource: 'configmaps' },
  subresource: '',
  kind: { group: '', version: 'v1', kind: 'ConfigMap' },
  name: 'cm',
  namespace: 'team-a',
  object: { metadata: { name: 'cm', labels: { tier: 'web' } } },
  dryRun: false,
  userInfo: { username: 'alice', groups: ['dev'] },
};
const invocation = { resource: attrs.resource, subresource: '', kind: attrs.kind };
const run = (...expressions: string[]): ReturnType<typeof evaluateMatchConditions> =>
  evaluateMatchConditions(
    expressions.map((expression, i) => ({ name: `c${String(i)}`, expression })),
    attrs,
    invocation,
    attrs.object,
    undefined,
  );

describe('webhook matchConditions', () => {
  it('matches only when every condition is true, over object, oldObject and request', () => {
    assert.deepEqual(run(), { matches: true });
    assert.deepEqual(
      run(
        "request.namespace == 'team-a'",
        "request.userInfo.username == 'alice'",
        "object.metadata.labels.tier == 'web'",
        'oldObject == null',
        "request.operation == 'CREATE' && request.resource.resource == 'configmaps'",
      ),
      { matches: true },
    );
    assert.deepEqual(run('true', "request.namespace == 'kube-system'"), { matches: false });
  });

  it('reports errors (non-bool results, runtime errors, compile errors) with the condition name', () => {
    const res = run("'text'", 'object.metadata.missing == 1', 'authorizer.group("x")');
    assert.ok('error' in res);
    assert.match(res.error, /expression 'c0' resulted in error: the expression must return a bool/);
    assert.match(res.error, /expression 'c1' resulted in error/);
    assert.match(res.error, /expression 'c2' resulted in error/);
  });

  it('a false condition wins over errors in others (the webhook is skipped)', () => {
    assert.deepEqual(run('1 / 0 == 1', 'false'), { matches: false });
  });
});
