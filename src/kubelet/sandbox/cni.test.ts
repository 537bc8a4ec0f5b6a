// CniClient against a fake executor (no real plugins): chaining, runtimeConfig, the cache, DEL
// order and idempotency, CHECK, errors. The cache lives in a temp directory.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNetworkConfigList } from './cni-config.ts';
import type { RuntimeConf } from './cni-config.ts';
import { CniClient } from './cni.ts';
import type { PluginExecutor } from './cni.ts';
import { CniError } from './cni-result.ts';
import type { PluginRun } from './cni-result.ts';
import { defaultNetworkConfigList } from './default-config.ts';

interface Call {
  type: string;
  env: Record<string, string>;
  conf: Record<string, unknown>;
}

function fakeExecutor(
  behaviour: Partial<Record<string, (call: Call) => PluginRun>> = {},
): PluginExecutor & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    find(type, dirs) {
      return Promise.resolve(
        ['bridge', 'portmap', 'loopback', 'failing'].includes(type)
          ? `${dirs[0]}/${type}`
          : undefined,
      );
    },
    run(path, env, stdin) {
      const type = path.split('/').at(-1) ?? '';
      const call: Call = { type, env, conf: JSON.parse(stdin) as Record<string, unknown> };
      calls.push(call);
      const custom = behaviour[type];
      if (custom) return Promise.resolve(custom(call));
      if (env.CNI_COMMAND !== 'ADD')
        return Promise.resolve({ stdout: '', stderr: '', exitCode: 0 });
      if (type === 'bridge') {
        return Promise.resolve({
          stdout: JSON.stringify({
            cniVersion: '1.0.0',
            interfaces: [{ name: 'br' }, { name: 'eth0', sandbox: env.CNI_NETNS }],
            ips: [{ interface: 1, address: '10.244.9.2/24', gateway: '10.244.9.1' }],
            routes: [{ dst: '0.0.0.0/0' }],
          }),
          stderr: '',
          exitCode: 0,
        });
      }
      // chained plugins pass the previous result through
      return Promise.resolve({
        stdout: JSON.stringify(call.conf.prevResult),
        stderr: '',
        exitCode: 0,
      });
    },
  };
}

describe('CniClient', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-cni-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const list = defaultNetworkConfigList({ podCIDR: '10.244.9.0/24', bridgeName: 'test0' });
  const rt = (netns: string): RuntimeConf => ({
    containerId: 'sb1',
    netns,
    ifName: 'eth0',
    args: [['K8S_POD_NAME', 'web']],
    capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] },
  });

  it('ADD chains plugins in order with prevResult and caches the result', async () => {
    const exec = fakeExecutor();
    const cni = new CniClient({
      pluginDirs: ['/plugins', '/more'],
      cacheDir: dir,
      executor: exec,
      baseEnv: { PATH: '/bin' },
    });
    const result = await cni.add(list, rt(dir)); // an existing path stands in for the netns
    assert.deepEqual(
      exec.calls.map((c) => c.type),
      ['bridge', 'portmap', 'loopback'],
    );
    const [bridge, portmap, loopback] = exec.calls;
    assert.equal(bridge?.conf.prevResult, undefined);
    assert.equal(bridge?.conf.runtimeConfig, undefined);
    assert.equal(bridge?.env.CNI_PATH, '/plugins:/more');
    assert.equal(bridge.env.PATH, '/bin');
    assert.equal(bridge.env.CNI_ARGS, 'K8S_POD_NAME=web');
    assert.deepEqual(portmap?.conf.runtimeConfig, {
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    });
    assert.deepEqual((portmap.conf.prevResult as { ips: unknown }).ips, [
      { interface: 1, address: '10.244.9.2/24', gateway: '10.244.9.1' },
    ]);
    assert.equal(loopback?.conf.runtimeConfig, undefined);
    assert.deepEqual(result.ips, [
      { interface: 1, address: '10.244.9.2/24', gateway: '10.244.9.1' },
    ]);
    assert.deepEqual(await readdir(join(dir, 'results')), ['skiff-sb1-eth0']);
    assert.deepEqual((await cni.cachedResult(list, rt(dir)))?.ips, result.ips);
    assert.equal((await cni.cachedAttachments('sb1')).length, 1);
    assert.equal((await cni.cachedAttachments('other')).length, 0);
  });

  it('CHECK passes the cached result to every plugin', async () => {
    const exec = fakeExecutor();
    const cni = new CniClient({ pluginDirs: ['/p'], cacheDir: dir, executor: exec });
    await cni.check(list, rt(dir));
    assert.deepEqual(
      exec.calls.map((c) => [
        c.type,
        c.env.CNI_COMMAND,
        (c.conf.prevResult as { cniVersion: string }).cniVersion,
      ]),
      [
        ['bridge', 'CHECK', '1.0.0'],
        ['portmap', 'CHECK', '1.0.0'],
        ['loopback', 'CHECK', '1.0.0'],
      ],
    );
  });

  it('DEL runs in reverse with prevResult, blanks a vanished netns, removes the cache; a second DEL is fine', async () => {
    const exec = fakeExecutor();
    const cni = new CniClient({ pluginDirs: ['/p'], cacheDir: dir, executor: exec });
    await cni.del(list, rt('/run/netns/does-not-exist-skiff-test'));
    assert.deepEqual(
      exec.calls.map((c) => c.type),
      ['loopback', 'portmap', 'bridge'],
    );
    for (const c of exec.calls) {
      assert.equal(c.env.CNI_COMMAND, 'DEL');
      assert.equal(c.env.CNI_NETNS, '');
      assert.notEqual(c.conf.prevResult, undefined);
    }
    assert.deepEqual(await readdir(join(dir, 'results')), []);
    exec.calls.length = 0;
    await cni.del(list, rt('/run/netns/does-not-exist-skiff-test'));
    assert.equal(exec.calls.length, 3);
    assert.ok(exec.calls.every((c) => c.conf.prevResult === undefined));
  });

  it('CHECK without a cached ADD result fails; disableCheck skips', async () => {
    const cni = new CniClient({ pluginDirs: ['/p'], cacheDir: dir, executor: fakeExecutor() });
    await assert.rejects(
      cni.check(list, rt(dir)),
      (e: unknown) => e instanceof CniError && /cached result/.test(e.message),
    );
    const noCheck = parseNetworkConfigList(
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'n',
        disableCheck: true,
        plugins: [{ type: 'bridge' }],
      }),
    );
    await cni.check(noCheck, rt(dir));
    const old = parseNetworkConfigList(
      JSON.stringify({ cniVersion: '0.3.1', name: 'n', plugins: [{ type: 'bridge' }] }),
    );
    await assert.rejects(
      cni.check(old, rt(dir)),
      /configuration version "0.3.1" does not support the CHECK command/,
    );
  });

  it('reports plugin errors, missing plugins and bad attachments clearly', async () => {
    const exec = fakeExecutor({
      failing: () => ({
        stdout: '{"cniVersion":"1.0.0","code":11,"msg":"try again","details":"busy"}',
        stderr: '',
        exitCode: 1,
      }),
    });
    const cni = new CniClient({ pluginDirs: ['/p'], cacheDir: dir, executor: exec });
    const failing = parseNetworkConfigList(
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'n',
        plugins: [{ type: 'bridge' }, { type: 'failing' }],
      }),
    );
    await assert.rejects(
      cni.add(failing, rt(dir)),
      (e: unknown) =>
        e instanceof CniError &&
        e.code === 11 &&
        e.message === 'plugin type="failing" failed (add): try again; busy',
    );
    assert.deepEqual(await cni.cachedAttachments(), []);
    const missing = parseNetworkConfigList(
      JSON.stringify({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'nothere' }] }),
    );
    await assert.rejects(
      cni.add(missing, rt(dir)),
      /failed to find plugin "nothere" in path \[\/p\]/,
    );
    await assert.rejects(
      cni.add(list, { ...rt(dir), ifName: 'a-very-long-interface' }),
      /interface name is too long/,
    );
  });

  it('VERSION and validate', async () => {
    const exec = fakeExecutor({
      bridge: () => ({
        stdout: '{"cniVersion":"1.0.0","supportedVersions":["0.3.1","1.0.0"]}',
        stderr: '',
        exitCode: 0,
      }),
      portmap: () => ({
        stdout: '{"cniVersion":"0.4.0","supportedVersions":["0.3.1","0.4.0"]}',
        stderr: '',
        exitCode: 0,
      }),
      loopback: () => ({
        stdout: '{"cniVersion":"1.0.0","supportedVersions":["1.0.0"]}',
        stderr: '',
        exitCode: 0,
      }),
    });
    const cni = new CniClient({ pluginDirs: ['/p'], cacheDir: dir, executor: exec });
    assert.deepEqual((await cni.version('bridge')).supportedVersions, ['0.3.1', '1.0.0']);
    assert.equal(exec.calls[0]?.env.CNI_COMMAND, 'VERSION');
    await assert.rejects(
      cni.validate(list),
      /plugin portmap does not support config version "1.0.0"/,
    );
  });
});
