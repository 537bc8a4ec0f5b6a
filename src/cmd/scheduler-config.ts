/**
 * `--scheduler-config FILE` of `skiff server` and `skiff up`: reads the file and loads it with
 * the scheduler's parseSchedulerConfiguration. `main.ts` and `program.ts` check it before
 * anything starts (a bad file fails the command at once, naming the file and the error); the
 * scheduler loads it again when it starts (scheduler-and-nodes.ts).
 */
import { readFile } from 'node:fs/promises';
import { parseSchedulerConfiguration } from '../scheduler/config/index.ts';
import type { SchedulerConfiguration } from '../scheduler/config/index.ts';
import type { ServerFlags } from './server-flags.ts';

/** A scheduler configuration file that cannot be read or is not valid. */
export class SchedulerConfigFileError extends Error {
  override readonly name = 'SchedulerConfigFileError';
}

/** Go's text of a file read error (`open F: no such file or directory`), else the message. */
function readErrorText(file: string, err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return `open ${file}: no such file or directory`;
  if (code === 'EACCES') return `open ${file}: permission denied`;
  if (code === 'EISDIR') return `read ${file}: is a directory`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads and loads the KubeSchedulerConfiguration in `file`. Throws SchedulerConfigFileError
 * whose message is `--scheduler-config FILE: <why>` (upstream's decoding or validation text).
 */
export async function loadSchedulerConfigFile(file: string): Promise<SchedulerConfiguration> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SchedulerConfigFileError(`--scheduler-config ${file}: ${readErrorText(file, err)}`, {
      cause: err,
    });
  }
  const result = parseSchedulerConfiguration(text);
  if (!result.ok) throw new SchedulerConfigFileError(`--scheduler-config ${file}: ${result.error}`);
  return result.config;
}

/**
 * The check before `server`/`up` starts: true when there is no `--scheduler-config` or it
 * loads; otherwise prints `skiff <verb>: error: --scheduler-config FILE: <why>` on stderr and
 * returns false (the caller exits with 1).
 */
export async function schedulerConfigUsable(
  verb: string,
  flags: Pick<ServerFlags, 'schedulerConfig'>,
  err: (line: string) => void = (line) => {
    console.error(line);
  },
): Promise<boolean> {
  if (flags.schedulerConfig === undefined) return true;
  try {
    await loadSchedulerConfigFile(flags.schedulerConfig);
    return true;
  } catch (e) {
    if (!(e instanceof SchedulerConfigFileError)) throw e;
    err(`skiff ${verb}: error: ${e.message}`);
    return false;
  }
}
