/**
 * The entry of a component worker started from source (tests under tsx); the built program
 * starts its workers through dist/cmd/main.js instead (see component-worker.ts). Loaded through
 * tsx's CommonJS hook: no top-level await, and the pool's code is imported statically.
 */
import { componentWork, runComponentWork } from './component-worker.ts';
import { runSimulatedNodePool } from './scheduler-and-nodes.ts';

const work = componentWork();
if (work !== undefined) void runComponentWork(work, () => Promise.resolve(runSimulatedNodePool));
