import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseNetworkConfigList } from './cni-config.ts';
import {
  CniError,
  cacheFileName,
  decodeCacheRecord,
  encodeCacheRecord,
  parseCniResult,
  parseVersionResult,
  pluginRunError,
  podIPs,
  resultToJson,
} from './cni-result.ts';

// What the bridge plugin (1.1.1) prints for a 1.0.0 ADD.
const bridgeResult = {
  cniVersion: '1.0.0',
  interfaces: [
    { name: 'skiff0', mac: '5a:3e:1c:aa:bb:cc' },
    { name: 'veth1234abcd', mac: '6e:11:22:33:44:55' },
    { name: 'eth0', mac: '0a:58:0a:f4:01:02', sandbox: '/run/netns/skiff-1' },
  ],
  ips: [{ interface: 2, address: '10.244.1.2/24', gateway: '10.244.1.1' }],
  routes: [{ dst: '0.0.0.0/0' }],
  dns: {},
};

describe('parseCniResult', () => {
  it('decodes a 1.0.0 result', () => {
    const r = parseCniResult(JSON.stringify(bridgeResult));
    assert.equal(r.cniVersion, '1.0.0');
    assert.equal(r.interfaces.length, 3);
    assert.deepEqual(r.ips, [{ interface: 2, address: '10.244.1.2/24', gateway: '10.244.1.1' }]);
    assert.deepEqual(r.routes, [{ dst: '0.0.0.0/0' }]);
    assert.deepEqual(r.dns, {});
    assert.deepEqual(podIPs(r, 'eth0'), ['10.244.1.2']);
    assert.deepEqual(podIPs(r, 'eth1'), []);
  });

  it('normalises a 0.4.0 result (ips[].version dropped) and converts back', () => {
    const legacy = {
      cniVersion: '0.4.0',
      interfaces: [{ name: 'eth0', sandbox: '/run/netns/x' }],
      ips: [
        { version: '4', interface: 0, address: '10.1.0.5/16', gateway: '10.1.0.1' },
        { version: '6', interface: 0, address: 'fd00::5/64' },
      ],
      dns: { nameservers: ['10.1.0.1'], search: ['example.com'] },
    };
    const r = parseCniResult(JSON.stringify(legacy));
    assert.deepEqual(r.ips[0], { address: '10.1.0.5/16', gateway: '10.1.0.1', interface: 0 });
    assert.deepEqual(r.dns, { nameservers: ['10.1.0.1'], search: ['example.com'] });
    assert.deepEqual(podIPs(r, 'eth0'), ['10.1.0.5', 'fd00::5']);
    const back = resultToJson(r, '0.4.0');
    assert.deepEqual(
      (back.ips as Record<string, unknown>[]).map((ip) => ip.version),
      ['4', '6'],
    );
    assert.equal(back.cniVersion, '0.4.0');
    const v1 = resultToJson(r, '1.0.0');
    assert.equal((v1.ips as Record<string, unknown>[])[0]?.version, undefined);
    assert.equal(v1.routes, undefined);
  });

  it('refuses 0.2.0 results and malformed ones with code 6', () => {
    for (const bad of [
      { cniVersion: '0.2.0', ip4: { ip: '10.0.0.2/24' } },
      { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2' }] },
      { cniVersion: '1.0.0', interfaces: [{}] },
      [],
    ]) {
      assert.throws(
        () => parseCniResult(JSON.stringify(bad), 'bridge'),
        (e: unknown) =>
          e instanceof CniError &&
          e.code === 6 &&
          e.message.startsWith('plugin type="bridge" failed (add): failed to decode result'),
      );
    }
    assert.throws(
      () => parseCniResult('not json'),
      (e: unknown) => e instanceof CniError && e.code === 6,
    );
  });
});

describe('pluginRunError (libcni invoke messages)', () => {
  it('uses the structured error the plugin printed', () => {
    const err = pluginRunError(
      {
        stdout:
          '{"cniVersion":"1.0.0","code":999,"msg":"failed to open netns \\"/x\\"","details":"no such file"}',
        stderr: '',
        exitCode: 1,
      },
      'bridge',
      'ADD',
    );
    assert.equal(err.code, 999);
    assert.equal(err.msg, 'failed to open netns "/x"');
    assert.equal(err.details, 'no such file');
    assert.equal(
      err.message,
      'plugin type="bridge" failed (add): failed to open netns "/x"; no such file',
    );
  });
  it('falls back to stderr, then to the exit status', () => {
    assert.equal(
      pluginRunError({ stdout: '', stderr: 'boom\n', exitCode: 2 }, 'x', 'DEL').message,
      'plugin type="x" failed (delete): netplugin failed: "boom\\n"',
    );
    assert.equal(
      pluginRunError({ stdout: '', stderr: '', exitCode: 2 }, 'x', 'CHECK').message,
      'plugin type="x" failed (check): netplugin failed with no error message: exit status 2',
    );
    assert.equal(
      pluginRunError({ stdout: '', stderr: '', exitCode: null, signal: 'SIGKILL' }, 'x', 'ADD')
        .message,
      'plugin type="x" failed (add): netplugin failed with no error message: signal: SIGKILL',
    );
    assert.match(
      pluginRunError({ stdout: 'garbage', stderr: '', exitCode: 1 }, 'x', 'ADD').message,
      /netplugin failed but error parsing its diagnostic message "garbage"/,
    );
  });
});

describe('parseVersionResult', () => {
  it('reads supportedVersions', () => {
    assert.deepEqual(
      parseVersionResult(
        '{"cniVersion":"1.0.0","supportedVersions":["0.3.1","0.4.0","1.0.0"]}',
        'bridge',
      ),
      {
        cniVersion: '1.0.0',
        supportedVersions: ['0.3.1', '0.4.0', '1.0.0'],
      },
    );
    assert.deepEqual(parseVersionResult('{}', 'old').supportedVersions, ['0.1.0', '0.2.0']);
    assert.throws(() => parseVersionResult('x', 'p'), CniError);
  });
});

describe('cache records (libcni cniCacheV1)', () => {
  const list = parseNetworkConfigList(
    JSON.stringify({ cniVersion: '1.0.0', name: 'skiff', plugins: [{ type: 'bridge' }] }),
  );
  const rt = {
    containerId: 'sandbox1',
    netns: '/run/netns/skiff-1',
    ifName: 'eth0',
    args: [['K8S_POD_NAME', 'web']] as [string, string][],
    capabilityArgs: { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }] },
  };
  it('round-trips in libcni layout', () => {
    const text = encodeCacheRecord(list, rt, parseCniResult(JSON.stringify(bridgeResult)));
    const raw = JSON.parse(text) as Record<string, unknown>;
    assert.equal(raw.kind, 'cniCacheV1');
    assert.equal(raw.containerId, 'sandbox1');
    assert.equal(Buffer.from(raw.config as string, 'base64').toString(), list.bytes);
    assert.deepEqual(raw.cniArgs, [['K8S_POD_NAME', 'web']]);
    const rec = decodeCacheRecord(text);
    assert.equal(rec?.networkName, 'skiff');
    assert.equal(rec.netns, '/run/netns/skiff-1');
    assert.equal(rec.config, list.bytes);
    assert.deepEqual(rec.capabilityArgs, rt.capabilityArgs);
    assert.deepEqual(podIPs(rec.result!, 'eth0'), ['10.244.1.2']);
  });
  it('ignores other documents', () => {
    assert.equal(decodeCacheRecord('{"kind":"other"}'), undefined);
    assert.equal(decodeCacheRecord('nope'), undefined);
  });
  it('names files <network>-<container>-<ifname>', () => {
    assert.equal(cacheFileName('skiff', 'abc', 'eth0'), 'skiff-abc-eth0');
    assert.throws(
      () => cacheFileName('skiff', '', 'eth0'),
      /cache file path requires network name/,
    );
  });
});
