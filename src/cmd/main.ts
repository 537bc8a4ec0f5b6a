/**
 * The `skiff` program: flag parsing and one file per verb. Verbs load their code lazily so
 * that `skiff version` and `skiff help` start fast.
 */
import { Command, Option } from 'commander';
import { runVersion, versionInfo } from './version.ts';

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

  return program;
}

await buildProgram().parseAsync(process.argv);
