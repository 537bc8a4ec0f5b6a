/**
 * The `skiff` program for commander: every verb, flag, help text and error message. Verbs load
 * their code lazily so that `skiff version` and `skiff help` start fast; `main.ts` starts a plain
 * `server`/`up` command line without loading this module at all.
 */
import { Command, Option } from 'commander';
import { addServerOptions, serverFlagsFrom } from './server-options.ts';
import type { ServerFlags } from './server-flags.ts';
import { runVersion, versionInfo } from './version.ts';
import { finish } from './finish.ts';
import { registerTokenCommands } from './token.ts';
import { registerImageCommands } from './image.ts';
import { registerAgentCommand } from './agent.ts';
import { KubeletFlagError } from './kubelet-config-flags.ts';

/** The flags of `server`/`up`; a kubelet flag value the kubelet refuses ends the command. */
function checkedServerFlags(cmd: Command, opts: Record<string, unknown>): ServerFlags {
  try {
    return serverFlagsFrom(opts);
  } catch (err) {
    if (err instanceof KubeletFlagError) cmd.error(`error: ${err.message}`);
    throw err;
  }
}

/** Loads --scheduler-config before anything starts, as main.ts's fast path does. */
async function schedulerConfigOk(verb: string, flags: ServerFlags): Promise<boolean> {
  if (flags.schedulerConfig === undefined) return true;
  const { schedulerConfigUsable } = await import('./scheduler-config.ts');
  return schedulerConfigUsable(verb, flags);
}

/** The commander program of every verb; `parseAsync(process.argv)` runs the one given. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('skiff')
    .description(
      'Skiff: a complete, Kubernetes-compatible cluster in one small program.\n' +
        'Data directory: --data-dir DIR (default ~/.skiff); admin kubeconfig: DIR/kubeconfig.yaml.',
    )
    .version(versionInfo().skiff, '-v, --version', 'print the Skiff version')
    .showHelpAfterError()
    .helpCommand('help [command]', 'show help for a command');

  program
    .command('version')
    .description('print the Skiff, Kubernetes API and Node.js versions')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .action((opts: { output?: string }) => {
      runVersion(opts);
    });

  addServerOptions(
    program
      .command('server')
      .summary('run the API server')
      .description(
        'Run the API server (HTTPS) over SQLite in the data dir, or another datastore.\n' +
          'Creates the cluster CA on first start and writes an admin kubeconfig to DIR/kubeconfig.yaml.',
      ),
  ).action(async (opts: Record<string, unknown>, cmd: Command) => {
    const flags = checkedServerFlags(cmd, opts);
    if (!(await schedulerConfigOk('server', flags))) {
      finish(1);
      return;
    }
    const { runServer } = await import('./server.ts');
    finish(await runServer(flags, { verb: 'server' }));
  });

  addServerOptions(
    program
      .command('up')
      .summary('run a whole single-machine cluster in one process')
      .description(
        'Run a whole single-machine cluster in one process (for now: the API server, as `skiff server`).',
      ),
  ).action(async (opts: Record<string, unknown>, cmd: Command) => {
    const flags = checkedServerFlags(cmd, opts);
    if (!(await schedulerConfigOk('up', flags))) {
      finish(1);
      return;
    }
    const { runUp } = await import('./up.ts');
    finish(await runUp(flags));
  });

  registerAgentCommand(program);
  registerTokenCommands(program);
  registerImageCommands(program);
  return program;
}
