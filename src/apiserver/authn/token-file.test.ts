import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsvParseError, readGoCsv } from './go-csv.ts';
import { StaticTokenFile } from './token-file.ts';

test('readGoCsv follows encoding/csv (cases from Go reader_test.go)', () => {
  const ok: [string, string, string[][]][] = [
    ['Simple', 'a,b,c\n', [['a', 'b', 'c']]],
    [
      'CRLF',
      'a,b\r\nc,d\r\n',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    ['BareCR', 'a,b\rc,d\r\n', [['a', 'b\rc', 'd']]],
    ['Quoted', '"a,b","c""d",e', [['a,b', 'c"d', 'e']]],
    [
      'BlankLine',
      'a,b,c\n\nd,e,f\n\n',
      [
        ['a', 'b', 'c'],
        ['d', 'e', 'f'],
      ],
    ],
    ['LeadingSpace', ' a,  b,   c\n', [[' a', '  b', '   c']]],
    [
      'NoComment',
      '#1,2,3\na,b,c',
      [
        ['#1', '2', '3'],
        ['a', 'b', 'c'],
      ],
    ],
    ['CRLFInQuotedField', 'A,"Hello\r\nHi",B\r\n', [['A', 'Hello\nHi', 'B']]],
    ['TrailingCR', 'field1,field2\r', [['field1', 'field2']]],
    ['QuotedTrailingCR', '"field"\r', [['field']]],
    ['FieldCRCR', 'field\r\rfield\r\r', [['field\r\rfield\r']]],
    ['FieldCRCRLF', 'field\r\r\nfield\r\r\n', [['field\r'], ['field\r']]],
    ['QuotedFieldMultipleLF', '"\n\n\n\n"', [['\n\n\n\n']]],
    ['MultipleCRLF', '\r\n\r\n\r\n\r\n', []],
    ['EvenQuotes', '""""""""', [['"""']]],
    ['TrailingComma', 'a,b,\n', [['a', 'b', '']]],
  ];
  for (const [name, input, want] of ok) assert.deepEqual(readGoCsv(input), want, name);

  const bad: [string, string, string][] = [
    ['BadDoubleQuotes', 'a""b,c', 'parse error on line 1, column 2: bare " in non-quoted-field'],
    ['BadBareQuote', 'a "word","b"', 'parse error on line 1, column 3: bare " in non-quoted-field'],
    [
      'BadTrailingQuote',
      '"a word",b"',
      'parse error on line 1, column 11: bare " in non-quoted-field',
    ],
    [
      'ExtraneousQuote',
      '"a "word","b"',
      'parse error on line 1, column 4: extraneous or missing " in quoted-field',
    ],
    [
      'StartLine1',
      'a,"b\nc"d,e',
      'record on line 1; parse error on line 2, column 2: extraneous or missing " in quoted-field',
    ],
    [
      'StartLine2',
      'a,b\n"d\n\n,e',
      'record on line 2; parse error on line 4, column 3: extraneous or missing " in quoted-field',
    ],
    [
      'QuotedTrailingCRCR',
      '"field"\r\r',
      'parse error on line 1, column 7: extraneous or missing " in quoted-field',
    ],
    [
      'OddQuotes',
      '"""""""',
      'parse error on line 1, column 8: extraneous or missing " in quoted-field',
    ],
    ['MultiByteColumn', 'é,a"b', 'parse error on line 1, column 5: bare " in non-quoted-field'],
  ];
  for (const [name, input, message] of bad) {
    assert.throws(
      () => readGoCsv(input),
      (err: unknown) => {
        assert.ok(err instanceof CsvParseError, name);
        assert.equal(err.message, message, name);
        return true;
      },
    );
  }
});

test('StaticTokenFile parses users as upstream (tokenfile_test.go)', () => {
  const f = StaticTokenFile.parse(
    [
      'token1,user1,uid1',
      'token2,user2,uid2',
      'token3,user3,uid3,"group1,group2"',
      'token4,user4,uid4,"group2"',
      'token5,user5,uid5,group5',
      'token6,user6,uid6,group5,otherdata',
      'token7,user7,uid7,"group1,group2",otherdata',
      'token8,user8,uid8,',
      ',user9,uid9',
      '',
    ].join('\n'),
    '/etc/tokens.csv',
  );
  const user = (t: string): unknown => {
    const r = f.authenticateToken(t);
    return r?.ok === true ? r.user : r;
  };
  assert.deepEqual(user('token1'), { username: 'user1', uid: 'uid1', groups: [] });
  assert.deepEqual(user('token3'), {
    username: 'user3',
    uid: 'uid3',
    groups: ['group1', 'group2'],
  });
  assert.deepEqual(user('token4'), { username: 'user4', uid: 'uid4', groups: ['group2'] });
  assert.deepEqual(user('token6'), { username: 'user6', uid: 'uid6', groups: ['group5'] });
  assert.deepEqual(user('token7'), {
    username: 'user7',
    uid: 'uid7',
    groups: ['group1', 'group2'],
  });
  // strings.Split("", ",") is [""]: upstream keeps one empty group.
  assert.deepEqual(user('token8'), { username: 'user8', uid: 'uid8', groups: [''] });
  assert.equal(user('token9'), undefined);
  assert.equal(user(''), undefined);
  assert.equal(f.size, 8);
  assert.deepEqual(f.warnings, [
    "empty token has been found in token file '/etc/tokens.csv', record number '9'",
  ]);
});

test('StaticTokenFile errors and warnings', () => {
  assert.throws(() => StaticTokenFile.parse('token1,user1,uid1\ntoken2,user2\n', 'f.csv'), {
    message:
      "token file 'f.csv' must have at least 3 columns (token, user name, user uid), found 2",
  });
  assert.throws(() => StaticTokenFile.parse('tok"en,u,1\n', 'f.csv'), {
    message: 'parse error on line 1, column 4: bare " in non-quoted-field',
  });
  const dup = StaticTokenFile.parse('t,a,1\nt,b,2\n', 'f.csv');
  assert.deepEqual(dup.warnings, [
    "duplicate token has been found in token file 'f.csv', record number '2'",
  ]);
  const r = dup.authenticateToken('t');
  assert.ok(r?.ok === true);
  assert.equal(r.user.username, 'b');
  // Callers get their own copy.
  r.user.groups.push('x');
  const again = dup.authenticateToken('t');
  assert.ok(again?.ok === true);
  assert.deepEqual(again.user.groups, []);
});
