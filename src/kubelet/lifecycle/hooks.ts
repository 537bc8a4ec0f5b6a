/**
 * Lifecycle hook runner (host adapter; upstream pkg/kubelet/lifecycle/handlers.go): exec hooks
 * through the runtime's {@link ExecRunner}, httpGet hooks as a GET whose only failure is a
 * transport error (any status code passes, as upstream), and the sleep action. Failures come back
 * as upstream's message for the container's waiting state; nothing throws for a hook failure.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Container, LifecycleHandler, Pod } from 'kubernetes-types/core/v1.js';
import type { ExecRunner } from './probe-executors.ts';
import { goHttpErrorText } from './probe-executors.ts';
import { ProbeTargetError, httpProbeRequest, goQuote } from './probe-spec.ts';
import { hookMessages } from './termination.ts';

/** The User-Agent of HTTP lifecycle hooks. */
export const LIFECYCLE_USER_AGENT = 'kube-lifecycle/1.32';

/** The result of running a hook. */
export type HookResult = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** Inputs of {@link runLifecycleHook}. */
export interface HookContext {
  readonly pod: Pod;
  readonly container: Container;
  readonly containerID: string;
  readonly podIP: string;
  /** How long the hook may take (postStart: unbounded in upstream; preStop: the grace period). */
  readonly timeoutMs: number;
  readonly exec?: ExecRunner;
  /** Aborts a sleep or HTTP hook early (the pod is being force-deleted). */
  readonly signal?: AbortSignal;
}

/** Runs one lifecycle handler. */
export async function runLifecycleHook(
  handler: LifecycleHandler,
  ctx: HookContext,
): Promise<HookResult> {
  const name = ctx.container.name;
  if (handler.exec !== undefined) {
    const command = handler.exec.command ?? [];
    if (ctx.exec === undefined) {
      return {
        ok: false,
        message: hookMessages.exec(ctx.pod, name, command, 'exec is not supported', ''),
      };
    }
    try {
      const r = await ctx.exec(ctx.containerID, command, ctx.timeoutMs);
      if ('timedOut' in r) {
        const err = `command ${goQuote(command.join(' '))} timed out`;
        return { ok: false, message: hookMessages.exec(ctx.pod, name, command, err, '') };
      }
      if (r.exitCode !== 0) {
        const err = hookMessages.execExit(command, r.exitCode, r.output);
        return { ok: false, message: hookMessages.exec(ctx.pod, name, command, err, r.output) };
      }
      return { ok: true };
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      return { ok: false, message: hookMessages.exec(ctx.pod, name, command, text, '') };
    }
  }
  if (handler.httpGet !== undefined) {
    const path = handler.httpGet.path ?? '';
    let url = path;
    try {
      const req = httpProbeRequest({ httpGet: handler.httpGet }, ctx.container, ctx.podIP);
      url = req.url;
      const headers: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = [...v];
      if (
        handler.httpGet.httpHeaders?.some((h) => h.name.toLowerCase() === 'user-agent') !== true
      ) {
        headers['User-Agent'] = [LIFECYCLE_USER_AGENT];
      }
      await httpGet(req.url, headers, ctx.timeoutMs, ctx.signal);
      return { ok: true };
    } catch (err) {
      const text =
        err instanceof ProbeTargetError
          ? err.message
          : `Get ${goQuote(url)}: ${goHttpErrorText(err, new URL(url))}`;
      return { ok: false, message: hookMessages.http(ctx.pod, name, path, text) };
    }
  }
  if (handler.sleep !== undefined) {
    await sleep(Math.min(handler.sleep.seconds * 1000, ctx.timeoutMs), ctx.signal);
    return { ok: true };
  }
  return { ok: false, message: 'a lifecycle handler must set exec, httpGet or sleep' };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function httpGet(
  url: string,
  headers: Record<string, string[]>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      method: 'GET',
      headers: { ...headers, Connection: 'close' },
      agent: false,
      rejectUnauthorized: false,
      timeout: timeoutMs,
      ...(signal !== undefined ? { signal } : {}),
    };
    const onResponse = (res: http.IncomingMessage) => {
      res.resume();
      res.once('end', () => {
        resolve();
      });
      res.on('error', reject);
    };
    const r =
      u.protocol === 'https:'
        ? https.request(u, options, onResponse)
        : http.request(u, options, onResponse);
    r.once('timeout', () => r.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    r.on('error', reject);
    r.end();
  });
}
