// Shared assertions for the defaulting tests (imported only by *.test.ts files).
import assert from 'node:assert/strict';
import { setDefaults } from './index.ts';

/** One table row: an object as a client sends it and what upstream's defaulters make of it. */
export interface DefaultingCase {
  readonly name: string;
  readonly input: Record<string, unknown>;
  readonly expected: Record<string, unknown>;
}

/**
 * Asserts that setDefaults turns a copy of `input` into `expected`, that a second run changes
 * nothing (idempotency), that `expected` itself is a fixpoint (explicit values are never
 * overwritten), and that `input` was not touched through shared references.
 */
export function assertDefaults(c: DefaultingCase): void {
  const before = structuredClone(c.input);
  const obj = structuredClone(c.input);
  setDefaults(obj);
  assert.deepEqual(obj, c.expected);
  setDefaults(obj);
  assert.deepEqual(obj, c.expected, 'second run changed the object');
  const fixpoint = structuredClone(c.expected);
  setDefaults(fixpoint);
  assert.deepEqual(fixpoint, c.expected, 'defaulting the expected result changed it');
  assert.deepEqual(c.input, before);
}
