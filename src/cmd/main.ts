/**
 * The `skiff` program: flag parsing and one file per verb. Verbs load their code lazily so
 * that `skiff version` and `skiff help` start fast.
 */
import { Command, Option } from 'commander';
import { addServerOptions, serverFlagsFrom } from './server-flags.ts';
import { runVersion, versionInfo } from './version.ts';

/**
 * Sets the exit code of a long-running verb. If some handle still keeps the event loop alive
 * after a clean shutdown, exit anyway a moment later rather than hang (the timer is unref'd, so
 * it never delays a process that is already done).
 */
function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
}

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
  ).action(async (opts: Record<string, unknown>) => {
    const { runServer } = await import('./server.ts');
    finish(await runServer(serverFlagsFrom(opts), { verb: 'server' }));
  });

  addServerOptions(
    program
      .command('up')
      .summary('run a whole single-machine cluster in one process')
      .description(
        'Run a whole single-machine cluster in one process (for now: the API server, as `skiff server`).',
      ),
  ).action(async (opts: Record<string, unknown>) => {
    const { runUp } = await import('./up.ts');
    finish(await runUp(serverFlagsFrom(opts)));
  });

  return program;
}

await buildProgram().parseAsync(process.argv);
