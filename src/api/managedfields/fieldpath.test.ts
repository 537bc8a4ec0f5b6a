import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldSet, fieldKey, indexKey, keyKey, pathString, valueKey } from './fieldpath.ts';

const f = fieldKey;

describe('FieldsV1 encoding', () => {
  // Shapes as the API server writes them (kubectl get -o yaml --show-managed-fields).
  const cases: { name: string; fieldsV1: string }[] = [
    {
      name: 'deployment update entry',
      fieldsV1:
        '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:progressDeadlineSeconds":{},"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:ports":{".":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}',
    },
    {
      name: 'status conditions and finalizers',
      fieldsV1:
        '{"f:metadata":{"f:finalizers":{".":{},"v:\\"foregroundDeletion\\"":{},"v:\\"orphan\\"":{}}},"f:status":{"f:conditions":{".":{},"k:{\\"type\\":\\"Available\\"}":{".":{},"f:status":{},"f:type":{}}}}}',
    },
    { name: 'empty', fieldsV1: '{}' },
    {
      name: 'all element kinds in upstream order',
      fieldsV1:
        '{"f:a":{},"f:b":{"i:1":{},"i:10":{}},"k:{\\"a\\":1,\\"b\\":\\"x\\"}":{},"k:{\\"a\\":2}":{},"v:1":{},"v:\\"s\\"":{},"v:true":{},"i:0":{}}',
    },
  ];
  for (const c of cases) {
    it(`round-trips ${c.name}`, () => {
      const set = FieldSet.fromFieldsV1(JSON.parse(c.fieldsV1));
      assert.equal(JSON.stringify(set.toFieldsV1()), c.fieldsV1);
    });
  }

  it('sorts and canonicalises keys', () => {
    const set = FieldSet.fromFieldsV1({
      'v:"b"': {},
      'k:{"protocol":"TCP","containerPort":80}': {},
      'f:z': {},
      'f:a': { '.': {}, 'f:x': {} },
    });
    assert.equal(
      JSON.stringify(set.toFieldsV1()),
      '{"f:a":{".":{},"f:x":{}},"f:z":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{},"v:\\"b\\"":{}}',
    );
  });

  it('rejects malformed input', () => {
    assert.throws(() => FieldSet.fromFieldsV1({ 'x:a': {} }), /unknown path element type/);
    assert.throws(() => FieldSet.fromFieldsV1({ 'k:{bad': {} }));
    assert.throws(() => FieldSet.fromFieldsV1([]));
  });

  it('escapes HTML in keys as Go does', () => {
    assert.equal(valueKey('<a&b>'), 'v:"\\u003ca\\u0026b\\u003e"');
    assert.equal(keyKey([['name', 'x']]), 'k:{"name":"x"}');
    assert.equal(indexKey(3), 'i:3');
  });
});

describe('paths', () => {
  it('formats like upstream Path.String', () => {
    assert.equal(pathString([f('spec'), f('replicas')]), '.spec.replicas');
    assert.equal(
      pathString([f('spec'), f('containers'), keyKey([['name', 'nginx']]), f('image')]),
      '.spec.containers[name="nginx"].image',
    );
    assert.equal(
      pathString([
        f('ports'),
        keyKey([
          ['protocol', 'TCP'],
          ['containerPort', 80],
        ]),
      ]),
      '.ports[containerPort=80,protocol="TCP"]',
    );
    assert.equal(pathString([f('finalizers'), valueKey('a')]), '.finalizers[="a"]');
    assert.equal(pathString([f('args'), indexKey(2)]), '.args[2]');
  });
});

describe('FieldSet operations', () => {
  const a = FieldSet.of([f('a')], [f('b'), f('c')], [f('b'), f('d')], [f('e')]);
  const b = FieldSet.of([f('b'), f('c')], [f('e')], [f('x')]);
  it('union, intersection, difference', () => {
    assert.deepEqual(a.union(b).paths().map(pathString), ['.a', '.e', '.x', '.b.c', '.b.d']);
    assert.deepEqual(a.intersection(b).paths().map(pathString), ['.e', '.b.c']);
    assert.deepEqual(a.difference(b).paths().map(pathString), ['.a', '.b.d']);
    assert.ok(a.difference(a).empty());
  });
  it('isSubsetOf agrees with an empty difference on random sets', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const randomSet = (): FieldSet => {
      const paths = [];
      for (let i = rnd(6); i > 0; i--) {
        const depth = 1 + rnd(3);
        paths.push(Array.from({ length: depth }, () => f(['a', 'b', 'c'][rnd(3)] ?? 'a')));
      }
      return FieldSet.of(...paths);
    };
    for (let i = 0; i < 2000; i++) {
      const x = randomSet();
      const y = rnd(3) === 0 ? x.union(randomSet()) : randomSet();
      assert.equal(
        x.isSubsetOf(y),
        x.difference(y).empty(),
        `${x.paths().map(pathString).join(' ')} ⊆ ${y.paths().map(pathString).join(' ')}`,
      );
    }
    assert.ok(FieldSet.of().isSubsetOf(a));
    assert.ok(b.difference(FieldSet.of([f('x')])).isSubsetOf(a));
    assert.ok(!b.isSubsetOf(a));
  });
  it('recursiveDifference removes whole subtrees', () => {
    const s = FieldSet.of([f('status')], [f('status'), f('phase')], [f('spec'), f('x')]);
    assert.deepEqual(
      s
        .recursiveDifference(FieldSet.of([f('status')]))
        .paths()
        .map(pathString),
      ['.spec.x'],
    );
  });
  it('leaves keep only paths without children', () => {
    const s = FieldSet.of([f('a')], [f('a'), f('b')], [f('c')]);
    assert.deepEqual(s.leaves().paths().map(pathString), ['.c', '.a.b']);
  });
  it('has and withPrefix', () => {
    assert.ok(a.has([f('b'), f('c')]));
    assert.ok(!a.has([f('b')]));
    assert.deepEqual(a.withPrefix(f('b')).paths().map(pathString), ['.c', '.d']);
    assert.ok(a.withPrefix(f('zz')).empty());
  });
});
