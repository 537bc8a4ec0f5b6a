/**
 * The ContainerRuntime conformance suite, run against every implementation (simulated in the
 * unit tests, runc in the integration tests). A fixture supplies requests for two kinds of
 * containers, so the suite stays independent of how a runtime runs programs.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parseCriLogLine } from './cri-log.ts';
import { ContainerNotFoundError, ContainerStateError } from './runtime.ts';
import type { ContainerRuntime, CreateContainerRequest, RuntimeEvent } from './runtime.ts';

/** What an implementation provides to the suite. */
export interface RuntimeFixture {
  runtime: ContainerRuntime;
  /** A container that prints `stdout` and `stderr` lines, then exits with `code`. */
  exiting(
    id: string,
    program: { stdout: string[]; stderr: string[]; code: number },
  ): Promise<CreateContainerRequest>;
  /**
   * A container that runs until signalled, ends with 143 on SIGTERM, and answers exec of
   * `echo ARGS...` (prints ARGS and a newline) and `sh -c 'exit N'`.
   */
  sleeping(id: string): Promise<CreateContainerRequest>;
  /** The container's CRI log so far. */
  readLog(req: CreateContainerRequest): Promise<string>;
  /** Removes what the fixture created. */
  cleanup(): Promise<void>;
}

/** Runs the suite; `skip` (a reason) skips it. */
export function runRuntimeConformance(
  name: string,
  setup: () => Promise<RuntimeFixture>,
  opts: { skip?: string | false; prefix?: string } = {},
): void {
  void describe(`runtime conformance: ${name}`, { skip: opts.skip ?? false }, () => {
    let fx: RuntimeFixture | undefined;
    const created = new Set<string>();
    const prefix = opts.prefix ?? 'conf';
    const fixture = (): RuntimeFixture => {
      assert.ok(fx);
      return fx;
    };
    const make = async (
      kind: 'sleeping' | 'exiting',
      id: string,
      program = { stdout: [] as string[], stderr: [] as string[], code: 0 },
    ): Promise<CreateContainerRequest> => {
      const f = fixture();
      const req = kind === 'sleeping' ? await f.sleeping(id) : await f.exiting(id, program);
      created.add(id);
      await f.runtime.createContainer(req);
      return req;
    };

    before(async () => {
      fx = await setup();
    });
    after(async () => {
      const f = fx;
      if (f === undefined) return;
      for (const id of created) await f.runtime.deleteContainer(id).catch(() => undefined);
      await f.runtime.close();
      await f.cleanup();
    });

    void it('runs a container to its exit code and logs both streams in CRI format', async () => {
      const rt = fixture().runtime;
      const events: RuntimeEvent[] = [];
      const unsubscribe = rt.subscribe((e) => events.push(e));
      const id = `${prefix}-exit3`;
      const req = await make('exiting', id, {
        stdout: ['out one', 'out two'],
        stderr: ['err one'],
        code: 3,
      });
      const created0 = await rt.state(id);
      assert.equal(created0?.status, 'created');
      await rt.startContainer(id);
      assert.deepEqual(await rt.wait(id), { exitCode: 3, oomKilled: false });
      unsubscribe();
      const s = await rt.state(id);
      assert.equal(s?.status, 'stopped');
      assert.equal(s.exitCode, 3);
      assert.ok(s.finishedAt instanceof Date);
      assert.deepEqual(
        events.map((e) => e.type),
        ['started', 'exit'],
      );
      const exit = events[1];
      assert.ok(exit?.type === 'exit' && exit.exitCode === 3);
      const records = (await fixture().readLog(req))
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => parseCriLogLine(l));
      const lines = (stream: string): string[] =>
        records.filter((r) => r.stream === stream).map((r) => r.content.toString());
      assert.deepEqual(lines('stdout'), ['out one', 'out two']);
      assert.deepEqual(lines('stderr'), ['err one']);
      assert.ok(records.every((r) => !r.partial && r.timestamp > 0n));
      // Starting again is a state error; waiting again answers at once.
      await assert.rejects(rt.startContainer(id), ContainerStateError);
      assert.equal((await rt.wait(id)).exitCode, 3);
    });

    void it('stops a running container with SIGTERM (143) and serves exec while running', async () => {
      const rt = fixture().runtime;
      const id = `${prefix}-sleep`;
      await make('sleeping', id);
      await rt.startContainer(id);
      const running = await rt.state(id);
      assert.equal(running?.status, 'running');
      assert.ok((running.pid ?? 0) > 0);

      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (b: Buffer) => chunks.push(b));
      const r = await rt.exec(id, { args: ['echo', 'hi'], stdout: out });
      assert.equal(r.exitCode, 0);
      assert.equal(Buffer.concat(chunks).toString(), 'hi\n');
      assert.equal((await rt.exec(id, { args: ['sh', '-c', 'exit 7'] })).exitCode, 7);

      const listed = await rt.listContainers();
      assert.ok(listed.some((c) => c.id === id && c.status === 'running'));

      await rt.kill(id, 'SIGTERM');
      assert.equal((await rt.wait(id)).exitCode, 143);
      await assert.rejects(rt.exec(id, { args: ['echo'] }), ContainerStateError);
      // Killing a stopped container is a no-op.
      await rt.kill(id, 'SIGKILL');
    });

    void it('SIGKILL gives 137; delete removes a running container; delete is idempotent', async () => {
      const rt = fixture().runtime;
      const id = `${prefix}-killed`;
      await make('sleeping', id);
      await rt.startContainer(id);
      await rt.kill(id, 9);
      assert.equal((await rt.wait(id)).exitCode, 137);

      const id2 = `${prefix}-deleted`;
      await make('sleeping', id2);
      await rt.startContainer(id2);
      await rt.deleteContainer(id2);
      assert.equal(await rt.state(id2), undefined);
      await rt.deleteContainer(id2);
      assert.ok(!(await rt.listContainers()).some((c) => c.id === id2));
    });

    void it('reports unknown containers and duplicate ids', async () => {
      const rt = fixture().runtime;
      assert.equal(await rt.state(`${prefix}-nope`), undefined);
      await assert.rejects(rt.kill(`${prefix}-nope`, 'SIGTERM'), ContainerNotFoundError);
      await assert.rejects(rt.startContainer(`${prefix}-nope`), ContainerNotFoundError);
      const id = `${prefix}-dup`;
      const req = await make('sleeping', id);
      await assert.rejects(rt.createContainer(req), ContainerStateError);
      assert.equal((await rt.state(id))?.status, 'created');
      await rt.deleteContainer(id);
    });

    void it('wait honours an abort signal', async () => {
      const rt = fixture().runtime;
      const id = `${prefix}-abort`;
      await make('sleeping', id);
      await rt.startContainer(id);
      const ac = new AbortController();
      const waiting = rt.wait(id, ac.signal);
      ac.abort(new Error('gave up'));
      await assert.rejects(waiting, { message: 'gave up' });
      await rt.deleteContainer(id);
    });
  });
}
