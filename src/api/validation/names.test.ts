import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  NAME_SUFFIX_ALPHABET,
  generateName,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPathSegmentPrefix,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  regexError,
  validatePathSegmentName,
} from './index.ts';

const a = (n: number): string => 'a'.repeat(n);

// Good/bad lists from upstream staging/src/k8s.io/apimachinery/pkg/util/validation/validation_test.go.
const cases: {
  name: string;
  fn: (v: string) => string[];
  good: string[];
  bad: string[];
}[] = [
  {
    name: 'isDNS1123Label',
    fn: isDNS1123Label,
    good: [
      'a',
      'ab',
      'abc',
      'a1',
      'a-1',
      'a--1--2--b',
      '0',
      '01',
      '012',
      '1a',
      '1-a',
      '1--a--b--2',
      a(63),
    ],
    bad: [
      '',
      'A',
      'ABC',
      'aBc',
      'A1',
      'A-1',
      '1-A',
      '-',
      'a-',
      '-a',
      '1-',
      '-1',
      '_',
      'a_',
      '_a',
      'a_b',
      '1_',
      '_1',
      '1_2',
      '.',
      'a.',
      '.a',
      'a.b',
      '1.',
      '.1',
      '1.2',
      ' ',
      'a ',
      ' a',
      'a b',
      '1 ',
      ' 1',
      '1 2',
      a(64),
    ],
  },
  {
    name: 'isDNS1123Subdomain',
    fn: isDNS1123Subdomain,
    good: [
      'a',
      'ab',
      'abc',
      'a1',
      'a-1',
      'a--1--2--b',
      '0',
      '01',
      '012',
      '1a',
      '1-a',
      '1--a--b--2',
      'a.a',
      'ab.a',
      'abc.a',
      'a1.a',
      'a-1.a',
      'a--1--2--b.a',
      'a.1',
      'ab.1',
      'abc.1',
      'a1.1',
      'a-1.1',
      'a--1--2--b.1',
      '0.a',
      '01.a',
      '012.a',
      '1a.a',
      '1-a.a',
      '1--a--b--2',
      '0.1',
      '01.1',
      '012.1',
      '1a.1',
      '1-a.1',
      '1--a--b--2.1',
      'a.b.c.d.e',
      'aa.bb.cc.dd.ee',
      '1.2.3.4.5',
      '11.22.33.44.55',
      a(253),
    ],
    bad: [
      '',
      'A',
      'ABC',
      'aBc',
      'A1',
      'A-1',
      '1-A',
      '-',
      'a-',
      '-a',
      '1-',
      '-1',
      '_',
      'a_',
      '_a',
      'a_b',
      '1_',
      '_1',
      '1_2',
      '.',
      'a.',
      '.a',
      'a..b',
      '1.',
      '.1',
      '1..2',
      ' ',
      'a ',
      ' a',
      'a b',
      '1 ',
      ' 1',
      '1 2',
      'A.a',
      'aB.a',
      'ab.A',
      'A1.a',
      'a1.A',
      'A.1',
      'aB.1',
      'A1.1',
      '1A.1',
      '0.A',
      '01.A',
      '012.A',
      '1A.a',
      '1a.A',
      'A.B.C.D.E',
      'AA.BB.CC.DD.EE',
      'a.B.c.d.e',
      'aa.bB.cc.dd.ee',
      'a@b',
      'a,b',
      'a_b',
      'a;b',
      'a:b',
      'a%b',
      'a?b',
      'a$b',
      a(254),
    ],
  },
  {
    name: 'isDNS1035Label',
    fn: isDNS1035Label,
    good: ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', a(63)],
    bad: [
      '0',
      '01',
      '012',
      '1a',
      '1-a',
      '1--a--b--2',
      '',
      'A',
      'ABC',
      'aBc',
      'A1',
      'A-1',
      '1-A',
      '-',
      'a-',
      '-a',
      '1-',
      '-1',
      '_',
      'a_',
      '_a',
      'a_b',
      '1_',
      '_1',
      '1_2',
      '.',
      'a.',
      '.a',
      'a.b',
      '1.',
      '.1',
      '1.2',
      ' ',
      'a ',
      ' a',
      'a b',
      '1 ',
      ' 1',
      '1 2',
      a(64),
    ],
  },
  {
    name: 'isQualifiedName',
    fn: isQualifiedName,
    good: [
      'simple',
      'now-with-dashes',
      '1-starts-with-num',
      '1234',
      'simple/simple',
      'now-with-dashes/simple',
      'now-with-dashes/now-with-dashes',
      'now.with.dots/simple',
      'now-with.dashes-and.dots/simple',
      '1-num.2-num/3-num',
      '1234/5678',
      '1.2.3.4/5678',
      'Uppercase_Is_OK_123',
      'example.com/Uppercase_Is_OK_123',
      'requests.storage-foo',
      a(63),
      a(253) + '/' + 'b'.repeat(63),
    ],
    bad: [
      'nospecialchars%^=@',
      'cantendwithadash-',
      '-cantstartwithadash-',
      'only/one/slash',
      'Example.com/abc',
      'example_com/abc',
      'example.com/',
      '/simple',
      a(64),
      a(254) + '/abc',
    ],
  },
  {
    name: 'isValidLabelValue',
    fn: isValidLabelValue,
    good: [
      'simple',
      'now-with-dashes',
      '1-starts-with-num',
      'end-with-num-1',
      '1234',
      a(63),
      '',
      'A',
      'AB',
      'AbC',
      'now_with_underscores',
      'ABC_DEF',
    ],
    bad: [
      'nospecialchars%^=@',
      'Tama-nui-te-rā.is.Māori.sun',
      '\\backslashes\\are\\bad',
      '-starts-with-dash',
      'ends-with-dash-',
      '.starts.with.dot',
      'ends.with.dot.',
      a(64),
    ],
  },
];

describe('name validators (upstream validation_test.go lists)', () => {
  for (const c of cases) {
    it(`${c.name} accepts the good list`, () => {
      for (const v of c.good) {
        assert.deepEqual(c.fn(v), [], `${c.name}(${JSON.stringify(v)})`);
      }
    });
    it(`${c.name} rejects the bad list`, () => {
      for (const v of c.bad) {
        assert.notDeepEqual(c.fn(v), [], `${c.name}(${JSON.stringify(v)})`);
      }
    });
  }
});

describe('name validator messages', () => {
  const label =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
  const subdomain =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  const dns1035 =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
  const qnameRegex =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  const table: { got: string[]; want: string[] }[] = [
    { got: isDNS1123Label('My_Name'), want: [label] },
    { got: isDNS1123Label('a.b'), want: ['must not contain dots'] },
    { got: isDNS1123Label(a(64)), want: ['must be no more than 63 characters'] },
    { got: isDNS1123Label('-' + a(63)), want: ['must be no more than 63 characters', label] },
    { got: isDNS1123Subdomain('A'), want: [subdomain] },
    { got: isDNS1123Subdomain(a(254)), want: ['must be no more than 253 characters'] },
    { got: isDNS1035Label('1abc'), want: [dns1035] },
    {
      got: isQualifiedName('only/one/slash'),
      want: [
        `a qualified name ${qnameRegex} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
    },
    { got: isQualifiedName('/simple'), want: ['prefix part must be non-empty'] },
    {
      got: isQualifiedName('example.com/'),
      want: ['name part must be non-empty', `name part ${qnameRegex}`],
    },
    { got: isQualifiedName('Example.com/abc'), want: [`prefix part ${subdomain}`] },
    { got: isQualifiedName(a(64)), want: ['name part must be no more than 63 characters'] },
    { got: isQualifiedName('cantendwithadash-'), want: [`name part ${qnameRegex}`] },
    {
      got: isValidLabelValue('-x'),
      want: [
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    },
  ];
  it('match upstream text exactly', () => {
    for (const [i, t] of table.entries()) {
      assert.deepEqual(t.got, t.want, `case ${i}`);
    }
  });
  it('regexError without examples', () => {
    assert.equal(regexError('bad', 'x+'), "bad (regex used for validation is 'x+')");
  });
});

describe('path segment names', () => {
  it('rejects . and .. exactly, / and % anywhere', () => {
    assert.deepEqual(isValidPathSegmentName('.'), ["may not be '.'"]);
    assert.deepEqual(isValidPathSegmentName('..'), ["may not be '..'"]);
    assert.deepEqual(isValidPathSegmentName('...'), []);
    assert.deepEqual(isValidPathSegmentName('a/b%c'), [
      "may not contain '/'",
      "may not contain '%'",
    ]);
    assert.deepEqual(isValidPathSegmentName('Any_Thing:1'), []);
    assert.deepEqual(isValidPathSegmentPrefix('..'), []);
    assert.deepEqual(isValidPathSegmentPrefix('a%'), ["may not contain '%'"]);
    assert.deepEqual(validatePathSegmentName('.', true), []);
    assert.deepEqual(validatePathSegmentName('.', false), ["may not be '.'"]);
  });
});

describe('ValidateNameFunc prefix masking', () => {
  it('accepts a generateName ending in a dash', () => {
    assert.deepEqual(nameIsDNSSubdomain('my-pod-', true), []);
    assert.deepEqual(nameIsDNSLabel('web-', true), []);
    assert.deepEqual(nameIsDNS1035Label('svc-', true), []);
    assert.deepEqual(nameIsDNSLabel('-', true), []);
    assert.notDeepEqual(nameIsDNSSubdomain('my-pod-', false), []);
    assert.notDeepEqual(nameIsDNSSubdomain('Bad-', true), []);
  });
});

describe('generateName', () => {
  it('appends 5 characters from the alphabet', () => {
    let i = 0;
    const seq = [0, 1, 2, 25, 26];
    const name = generateName('web-', (n) => {
      assert.equal(n, NAME_SUFFIX_ALPHABET.length);
      return seq[i++] ?? 0;
    });
    assert.equal(name, 'web-bcd89');
  });
  it('truncates the base to 58 characters', () => {
    const name = generateName(a(100), () => 0);
    assert.equal(name, a(58) + 'bbbbb');
    assert.equal(name.length, 63);
  });
  it('uses Math.random by default and stays in the alphabet', () => {
    const name = generateName('x-');
    assert.match(name, /^x-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});
