import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKnownFormat, validateFormat } from './index.ts';

describe('string formats (kube-openapi strfmt default registry)', () => {
  const cases: [string, string, boolean][] = [
    ['hostname', 'example.com', true],
    ['hostname', 'a', true],
    ['hostname', '-bad.com', false],
    ['hostname', 'under_score.com', false],
    ['ipv4', '10.0.0.1', true],
    ['ipv4', '10.0.0', false],
    ['ipv4', '01.0.0.1', false],
    ['ipv6', '::1', true],
    ['ipv6', '2001:db8::8a2e:370:7334', true],
    ['ipv6', '1::2::3', false],
    ['cidr', '10.0.0.0/8', true],
    ['cidr', '10.0.0.0/33', false],
    ['uuid', 'A987FBC9-4BED-3078-CF07-9141BA07C9F3', true],
    ['uuid', 'xyz', false],
    ['uuid4', '713ae7e3-cb32-45f9-adcb-7c4fa86b90c1', true],
    ['uuid4', 'a987fbc9-4bed-3078-cf07-9141ba07c9f3', false],
    ['date', '2024-02-29', true],
    ['date', '2023-02-29', false],
    ['date-time', '2024-01-01T10:00:00Z', true],
    ['date-time', '2024-01-01T10:00:00.123+02:00', true],
    ['date-time', '2024-01-01', false],
    ['datetime', '2024-01-01T25:00:00Z', false],
    ['byte', 'aGVsbG8=', true],
    ['byte', 'not base64!', false],
    ['mac', '01:23:45:67:89:ab', true],
    ['email', 'a@b.c', true],
    ['email', 'nope', false],
    ['duration', '1h30m', true],
    ['duration', 'soon', false],
    ['password', 'anything', true],
    ['int32', 'not checked', true],
  ];
  for (const [format, value, ok] of cases) {
    it(`${format} ${JSON.stringify(value)}`, () => {
      assert.equal(validateFormat(format, value), ok);
    });
  }
  it('knows the registry', () => {
    assert.equal(isKnownFormat('date-time'), true);
    assert.equal(isKnownFormat('dateTime'), true);
    assert.equal(isKnownFormat('int32'), false);
  });
});
