/**
 * `./skiff up` pulling from a real registry, with the real kubectl (issue 7): Debian's
 * docker-registry on a loopback port (plain HTTP: the kubelet, like containerd and Docker, talks
 * HTTP to loopback registries without configuration), fed with the busybox image built by umoci
 * and pushed by skopeo. A pod with `imagePullPolicy: Always` pulls and runs it (Running, its log,
 * a `Pulled` event); a pod naming a tag the registry lacks ends in `ErrImagePull`, then
 * `ImagePullBackOff`, with a message that names the image and says it was not found; a
 * Deployment of 10 replicas of the registry image runs all 10 (10 concurrent pulls of one image).
 * Needs root and the Debian tools (runc, umoci, busybox-static, nsenter, socat, docker-registry,
 * skopeo); skipped with the reason otherwise. The registry is stopped by PID; the pods and
 * Deployment are deleted, and the bridge and cgroups this test made are removed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  startRegistry,
  stopRegistry,
  type TestRegistry,
} from '../../src/kubelet/images/fixtures.ts';
import { nodeTestSkipReason, runTool, startUpNode, type UpNode } from './node-host.ts';

function skipReason(): string | undefined {
  const node = nodeTestSkipReason();
  if (node !== undefined) return node;
  for (const tool of ['docker-registry', 'skopeo']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `needs ${tool}`;
  }
  return undefined;
}

const skip = skipReason();

describe('skiff up: pulling from a registry', { skip }, () => {
  let node: UpNode | undefined;
  let reg: TestRegistry | undefined;
  let image = '';

  const up = (): UpNode => node ?? assert.fail('the node did not start');
  const ok = (args: string[], input?: string): Promise<string> => up().ok(args, input);
  const until = (what: string, cond: () => Promise<boolean>, ms?: number): Promise<void> =>
    up().until(what, cond, ms);
  const pod = (name: string, img: string, command: string[]): string =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: img, imagePullPolicy: 'Always', command }],
      },
    });

  before(async () => {
    node = await startUpNode('skiff-e2e-kubelet-registry-');
    reg = await startRegistry(join(node.work, 'registry'));
    image = `127.0.0.1:${String(reg.port)}/busybox:v1`;
    const push = await runTool('skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      `oci:${node.layout}:busybox`,
      `docker://${image}`,
    ]);
    assert.equal(push.code, 0, push.stderr);
  });

  after(async () => {
    await node?.stop('deployments,pods');
    await stopRegistry(reg);
  });

  it('pulls the image with imagePullPolicy Always and runs it', async () => {
    await ok(
      ['apply', '-f', '-'],
      pod('pulled', image, ['sh', '-c', 'echo from-registry; sleep 3600']),
    );
    await ok(['wait', '--for=condition=Ready', 'pod/pulled', '--timeout=90s']);
    assert.equal(await ok(['get', 'pod', 'pulled', '-o', 'jsonpath={.status.phase}']), 'Running');
    await until(
      'the container log',
      async () => (await ok(['logs', 'pulled'])) === 'from-registry\n',
    );
    const events = await ok([
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=pulled,reason=Pulled',
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    assert.match(
      events,
      new RegExp(`^Successfully pulled image "${image.replace(/\./g, '\\.')}" in `),
    );
    // The pulled image is the node's now: reported in node.status.images under its name.
    await until('the node to list the image', async () =>
      (await ok(['get', 'nodes', '-o', 'jsonpath={.items[0].status.images[*].names}'])).includes(
        image,
      ),
    );
  });

  it('reports ErrImagePull, then ImagePullBackOff, for a tag the registry lacks', async () => {
    const missing = image.replace(/:v1$/, ':no-such-tag');
    await ok(['apply', '-f', '-'], pod('missing', missing, ['sleep', '3600']));
    const seen = new Map<string, string>();
    await until('ImagePullBackOff after ErrImagePull', async () => {
      const out = await ok([
        'get',
        'pod',
        'missing',
        '-o',
        'jsonpath={.status.containerStatuses[0].state.waiting.reason}{"\\n"}{.status.containerStatuses[0].state.waiting.message}',
      ]);
      const [reason = '', message = ''] = out.split('\n');
      if (reason !== '' && !seen.has(reason)) seen.set(reason, message);
      return seen.has('ImagePullBackOff');
    });
    // The kubelet's Failed events: the pull error with the image's name, then ErrImagePull.
    const failed = await ok([
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=missing,reason=Failed',
      '-o',
      'jsonpath={range .items[*]}{.message}{"\\n"}{end}',
    ]);
    assert.match(
      failed,
      new RegExp(`Failed to pull image "${missing.replace(/\./g, '\\.')}": .*not found`, 'i'),
    );
    assert.match(failed, /^Error: ErrImagePull$/m);
    // Seen as a status too unless the back-off replaced it between two polls.
    const pulled = seen.get('ErrImagePull');
    if (pulled !== undefined) assert.match(pulled, /not found/i);
    assert.ok(
      seen.get('ImagePullBackOff')?.startsWith(`Back-off pulling image "${missing}"`),
      `ImagePullBackOff message: ${String(seen.get('ImagePullBackOff'))}`,
    );
    const backOff = await ok([
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=missing,reason=BackOff',
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    assert.match(backOff, new RegExp(`Back-off pulling image "${missing.replace(/\./g, '\\.')}"`));
    assert.equal(await ok(['get', 'pod', 'missing', '-o', 'jsonpath={.status.phase}']), 'Pending');
    await ok(['delete', 'pod', 'missing', '--grace-period=1']);
  });

  it('runs a Deployment of 10 replicas of the registry image', async () => {
    await ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'ten' },
        spec: {
          replicas: 10,
          selector: { matchLabels: { app: 'ten' } },
          template: {
            metadata: { labels: { app: 'ten' } },
            spec: {
              terminationGracePeriodSeconds: 1,
              containers: [
                { name: 'c', image, imagePullPolicy: 'Always', command: ['sleep', '3600'] },
              ],
            },
          },
        },
      }),
    );
    await ok(['rollout', 'status', 'deployment/ten', '--timeout=180s']);
    const phases = await ok([
      'get',
      'pods',
      '-l',
      'app=ten',
      '-o',
      'jsonpath={range .items[*]}{.status.phase}{"\\n"}{end}',
    ]);
    assert.deepEqual(phases.trim().split('\n'), Array(10).fill('Running'));
    assert.equal(
      await ok(['get', 'deployment', 'ten', '-o', 'jsonpath={.status.readyReplicas}']),
      '10',
    );
  });
});
