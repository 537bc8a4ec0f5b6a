import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIp, parseIp } from './ip.ts';

describe('parseIp', () => {
  const valid: [string, string][] = [
    ['127.0.0.1', '7f000001'],
    ['10.96.0.1', '0a600001'],
    ['255.255.255.255', 'ffffffff'],
    ['::', '0'.repeat(32)],
    ['::1', '0'.repeat(31) + '1'],
    ['1::', '0001' + '0'.repeat(28)],
    ['fd00::2', 'fd00' + '0'.repeat(24) + '0002'],
    ['2001:DB8::2:1', '20010db8' + '0'.repeat(16) + '00020001'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['::ffff:1.2.3.4', '0'.repeat(20) + 'ffff01020304'],
    ['fe80::1%eth0', 'fe80' + '0'.repeat(24) + '0001'],
  ];
  for (const [text, bytes] of valid) {
    it(`parses ${text}`, () => {
      assert.equal(parseIp(text)?.toString('hex'), bytes);
    });
  }
  const invalid = [
    '',
    'localhost',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.-1',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1::2::3',
    '1:2:3:4:5:6:7::8',
    '12345::',
    ':1',
    'g::1',
    '::1.2.3',
  ];
  for (const text of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.equal(parseIp(text), null);
    });
  }
});

describe('formatIp', () => {
  // RFC 5952 section 4 examples.
  const cases: [string, string][] = [
    ['127.0.0.1', '127.0.0.1'],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['FD00::2', 'fd00::2'],
  ];
  for (const [input, want] of cases) {
    it(`formats ${input} as ${want}`, () => {
      const bytes = parseIp(input);
      assert.ok(bytes);
      assert.equal(formatIp(bytes), want);
      assert.deepEqual(parseIp(want), bytes);
    });
  }
  it('rejects other lengths', () => {
    assert.throws(() => formatIp(new Uint8Array(5)), RangeError);
  });
});
