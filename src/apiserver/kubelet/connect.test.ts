import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../api/index.ts';
import {
  checkPodLogOptions,
  encodeGoQuery,
  logLocation,
  parsePodLogOptions,
  parsePodPortForwardOptions,
  parsePodStreamOptions,
  portForwardLocation,
  streamLocation,
  validateContainer,
  validatePodLogOptions,
} from './connect.ts';

const pod = (containers: string[], nodeName = 'n1', init: string[] = []): Pod => ({
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    nodeName,
    containers: containers.map((name) => ({ name })),
    ...(init.length > 0 ? { initContainers: init.map((name) => ({ name })) } : {}),
  },
});

function statusOf(fn: () => unknown): { code: number; reason: string; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError);
    return { code: err.code, reason: err.reason, message: err.message };
  }
  assert.fail('expected a StatusError');
}

describe('validateContainer (upstream validateContainer)', () => {
  it('picks the only container', () => {
    assert.equal(validateContainer(pod(['a']), ''), 'a');
  });
  it('lists init, regular and ephemeral containers when several exist', () => {
    const p = pod(['a', 'b'], 'n1', ['init']);
    assert.deepEqual(
      statusOf(() => validateContainer(p, '')),
      {
        code: 400,
        reason: 'BadRequest',
        message: 'a container name must be specified for pod web, choose one of: [init a b]',
      },
    );
  });
  it('refuses a pod without containers', () => {
    assert.equal(
      statusOf(() => validateContainer(pod([]), '')).message,
      'a container name must be specified for pod web',
    );
  });
  it('refuses an unknown container and accepts an init container by name', () => {
    assert.deepEqual(
      statusOf(() => validateContainer(pod(['a']), 'x')),
      {
        code: 400,
        reason: 'BadRequest',
        message: 'container x is not valid for pod web',
      },
    );
    assert.equal(validateContainer(pod(['a'], 'n1', ['init']), 'init'), 'init');
  });
});

describe('PodLogOptions', () => {
  it('decodes the query as upstream parameter conversion does', () => {
    const o = parsePodLogOptions(
      new URLSearchParams(
        'container=c&follow=true&previous=1&timestamps=false&tailLines=10&limitBytes=5&sinceSeconds=60&insecureSkipTLSVerifyBackend=true',
      ),
    );
    assert.deepEqual(o, {
      container: 'c',
      follow: true,
      previous: true,
      timestamps: false,
      insecureSkipTLSVerifyBackend: true,
      tailLines: 10,
      limitBytes: 5,
      sinceSeconds: 60,
    });
    assert.equal(parsePodLogOptions(new URLSearchParams('follow=0')).follow, false);
    assert.equal(parsePodLogOptions(new URLSearchParams('follow=FALSE')).follow, false);
    assert.equal(parsePodLogOptions(new URLSearchParams('follow=')).follow, true);
  });
  it('answers malformed numbers and times with 400', () => {
    assert.deepEqual(
      statusOf(() => parsePodLogOptions(new URLSearchParams('tailLines=abc'))),
      {
        code: 400,
        reason: 'BadRequest',
        message: 'strconv.ParseInt: parsing "abc": invalid syntax',
      },
    );
    assert.equal(
      statusOf(() => parsePodLogOptions(new URLSearchParams('sinceTime=yesterday'))).code,
      400,
    );
    assert.equal(
      parsePodLogOptions(
        new URLSearchParams('sinceTime=2024-01-02T03:04:05Z'),
      ).sinceTime?.toISOString(),
      '2024-01-02T03:04:05.000Z',
    );
  });
  // Upstream TestValidatePodLogOptions.
  it('validates as upstream ValidatePodLogOptions', () => {
    const base = parsePodLogOptions(new URLSearchParams());
    assert.deepEqual(validatePodLogOptions(base), []);
    const msgs = (q: string): string[] =>
      validatePodLogOptions(parsePodLogOptions(new URLSearchParams(q))).map((e) => e.error());
    assert.deepEqual(msgs('tailLines=-1'), [
      'tailLines: Invalid value: -1: must be greater than or equal to 0',
    ]);
    assert.deepEqual(msgs('limitBytes=0'), [
      'limitBytes: Invalid value: 0: must be greater than 0',
    ]);
    assert.deepEqual(msgs('sinceSeconds=0'), [
      'sinceSeconds: Invalid value: 0: must be greater than 0',
    ]);
    assert.equal(msgs('sinceSeconds=10&sinceTime=2024-01-02T03:04:05Z').length, 1);
    assert.match(
      msgs('sinceSeconds=10&sinceTime=2024-01-02T03:04:05Z')[0] ?? '',
      /^: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified$/,
    );
    const err = statusOf(() => {
      checkPodLogOptions('web', parsePodLogOptions(new URLSearchParams('tailLines=-1')));
    });
    assert.equal(err.code, 422);
    assert.equal(
      err.message,
      'PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0',
    );
  });
});

describe('kubelet locations (upstream LogLocation, streamLocation, PortForwardLocation)', () => {
  it('builds the log path and a sorted query', () => {
    const opts = parsePodLogOptions(
      new URLSearchParams(
        'follow=1&tailLines=5&timestamps=1&sinceTime=2024-01-02T03:04:05.123Z&limitBytes=9&previous=1',
      ),
    );
    assert.deepEqual(logLocation(pod(['app']), opts), {
      path: '/containerLogs/default/web/app',
      query:
        'follow=true&limitBytes=9&previous=true&sinceTime=2024-01-02T03%3A04%3A05Z&tailLines=5&timestamps=true',
    });
    assert.deepEqual(
      logLocation(pod(['app']), parsePodLogOptions(new URLSearchParams('sinceSeconds=30'))),
      {
        path: '/containerLogs/default/web/app',
        query: 'sinceSeconds=30',
      },
    );
  });
  it('has no log location for a pod not on a node, but still checks the container', () => {
    assert.equal(
      logLocation(pod(['app'], ''), parsePodLogOptions(new URLSearchParams())),
      undefined,
    );
    assert.equal(
      statusOf(() => logLocation(pod(['a', 'b'], ''), parsePodLogOptions(new URLSearchParams())))
        .code,
      400,
    );
  });
  it('builds exec and attach locations with the kubelet parameter names', () => {
    const exec = parsePodStreamOptions(
      new URLSearchParams(
        'command=sh&command=-c&command=echo hi&stdin=true&stdout=true&stderr=true&tty=false',
      ),
      true,
    );
    assert.deepEqual(streamLocation('exec', pod(['app']), exec), {
      path: '/exec/default/web/app',
      query: 'command=sh&command=-c&command=echo+hi&error=1&input=1&output=1',
    });
    const attach = parsePodStreamOptions(
      new URLSearchParams('container=app&stdout=1&tty=1&command=x'),
      false,
    );
    assert.deepEqual(streamLocation('attach', pod(['app', 'side']), attach), {
      path: '/attach/default/web/app',
      query: 'output=1&tty=1',
    });
  });
  it('refuses streams to a pod without a node', () => {
    assert.deepEqual(
      statusOf(() =>
        streamLocation(
          'exec',
          pod(['app'], ''),
          parsePodStreamOptions(new URLSearchParams(), true),
        ),
      ),
      { code: 400, reason: 'BadRequest', message: 'pod web does not have a host assigned' },
    );
    assert.equal(
      statusOf(() => portForwardLocation(pod(['app'], ''), { ports: [] })).message,
      'pod web does not have a host assigned',
    );
  });
  it('builds the port-forward location with `port` joined by commas', () => {
    assert.deepEqual(
      portForwardLocation(
        pod(['app']),
        parsePodPortForwardOptions(new URLSearchParams('ports=80&ports=443,8080')),
      ),
      {
        path: '/portForward/default/web',
        query: 'port=80%2C443%2C8080',
      },
    );
    assert.deepEqual(portForwardLocation(pod(['app']), { ports: [] }), {
      path: '/portForward/default/web',
      query: '',
    });
    assert.equal(
      statusOf(() => parsePodPortForwardOptions(new URLSearchParams('ports=http'))).code,
      400,
    );
  });
  it('encodes queries as Go url.Values.Encode', () => {
    assert.equal(
      encodeGoQuery(
        new Map([
          ['b', ['x y', 'a*b~c']],
          ['a', ['/?&=']],
        ]),
      ),
      'a=%2F%3F%26%3D&b=x+y&b=a%2Ab~c',
    );
  });
});
