// Shared helpers for the validation tests (imported only by *.test.ts files).
import assert from 'node:assert/strict';
import { setDefaults } from '../../defaults/index.ts';
import type { FieldError } from '../field-errors.ts';

/** A JSON object under test. */
export type Json = Record<string, unknown>;

/** One table row: a change to a valid base object and the messages upstream gives for it. */
export interface Case {
  readonly name: string;
  /** Mutates a fresh, defaulted copy of the base object. */
  readonly mutate: (obj: Json) => void;
  /** The full `field: message` texts, in order. */
  readonly expected: readonly string[];
}

/** `obj` defaulted as the API server does before validating. */
export function defaulted(obj: Json): Json {
  const copy = structuredClone(obj);
  setDefaults(copy);
  return copy;
}

/** The messages of `errs`, as upstream's `err.Error()`. */
export function messages(errs: readonly FieldError[]): string[] {
  return errs.map((e) => e.error());
}

/** Runs table rows against `validate`, each on a defaulted copy of `base`. */
export function runCases(
  base: Json,
  cases: readonly Case[],
  validate: (obj: Json) => readonly FieldError[],
  it: (name: string, fn: () => void) => unknown,
): void {
  for (const c of cases) {
    it(c.name, () => {
      const obj = defaulted(base);
      c.mutate(obj);
      assert.deepEqual(messages(validate(obj)), c.expected);
    });
  }
}

/** Walks `path` (keys and indexes) from `obj` and returns the object there. */
export function at(obj: Json, ...path: (string | number)[]): Json {
  let cur: unknown = obj;
  for (const p of path) {
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur as Json;
}
