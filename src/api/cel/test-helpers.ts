// Shared by this folder's tests only.
export { CelCompileError, CelError, CelUint, compileCel } from './index.ts';
import { isList } from './values.ts';
import type { CelList, CelValue } from './values.ts';

/** Narrowing helper for tests. */
export function isListForTest(v: CelValue): v is CelList {
  return isList(v);
}
