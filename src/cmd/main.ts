/**
 * The `skiff` entry point. A plain `skiff server|up [flags]` starts at once (flags parsed by
 * `server-flags.ts`, commander never loaded: start-up time matters for the server); anything
 * else (other verbs, help, a flag error) goes to the commander program in `program.ts`.
 */
import { componentWork, runComponentWork } from './component-worker.ts';
import { finish } from './finish.ts';
import { parseServerCommandLine } from './server-flags.ts';

/** Loads --scheduler-config before anything starts (program.ts does the same). */
async function schedulerConfigOk(fast: {
  verb: string;
  flags: { schedulerConfig?: string };
}): Promise<boolean> {
  const { schedulerConfigUsable } = await import('./scheduler-config.ts');
  return schedulerConfigUsable(fast.verb, fast.flags);
}

async function main(): Promise<void> {
  const fast = parseServerCommandLine(process.argv.slice(2), process.env);
  if (fast === undefined) {
    const { buildProgram } = await import('./program.ts');
    await buildProgram().parseAsync(process.argv);
  } else if (fast.flags.schedulerConfig !== undefined && !(await schedulerConfigOk(fast))) {
    finish(1);
  } else if (fast.verb === 'server') {
    const { runServer } = await import('./server.ts');
    finish(await runServer(fast.flags, { verb: 'server' }));
  } else {
    const { runUp } = await import('./up.ts');
    finish(await runUp(fast.flags));
  }
}

// No top-level await: the build bundles this program as one CommonJS script (see scripts/build.sh).
// A component worker (component-worker.ts) runs the same program: it runs its component only.
const work = componentWork();
if (work !== undefined) {
  void runComponentWork(
    work,
    async () => (await import('./scheduler-and-nodes.ts')).runSimulatedNodePool,
  );
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
