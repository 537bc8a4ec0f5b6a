import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isValidContainerId, signalNumber } from './runtime.ts';

describe('runtime helpers', () => {
  it('signalNumber accepts SIGTERM, TERM, term, 15 and "15"', () => {
    for (const s of ['SIGTERM', 'TERM', 'term', 15, '15']) assert.equal(signalNumber(s), 15);
    assert.equal(signalNumber('SIGKILL'), 9);
    assert.equal(signalNumber('quit'), 3);
    assert.throws(() => signalNumber('SIGNOPE'), /unknown signal/);
  });
  it('container ids', () => {
    assert.ok(isValidContainerId('abc-1_2.3'));
    assert.ok(!isValidContainerId(''));
    assert.ok(!isValidContainerId('-x'));
    assert.ok(!isValidContainerId('a/b'));
  });
});
