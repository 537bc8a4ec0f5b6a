import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPullPolicy, parseImageName } from './image.ts';

const digest = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('parseImageName', () => {
  // Upstream pkg/util/parsers TestParseImageName.
  const valid: [string, string, string, string][] = [
    ['root', 'docker.io/library/root', 'latest', ''],
    ['root:tag', 'docker.io/library/root', 'tag', ''],
    [`root@${digest}`, 'docker.io/library/root', '', digest],
    ['user/repo', 'docker.io/user/repo', 'latest', ''],
    ['user/repo:tag', 'docker.io/user/repo', 'tag', ''],
    [`user/repo@${digest}`, 'docker.io/user/repo', '', digest],
    ['url:5000/repo', 'url:5000/repo', 'latest', ''],
    ['url:5000/repo:tag', 'url:5000/repo', 'tag', ''],
    [`url:5000/repo@${digest}`, 'url:5000/repo', '', digest],
    [`url:5000/repo:latest@${digest}`, 'url:5000/repo', 'latest', digest],
    ['localhost/repo', 'localhost/repo', 'latest', ''],
    ['index.docker.io/nginx', 'docker.io/library/nginx', 'latest', ''],
    ['registry.k8s.io/pause:3.10', 'registry.k8s.io/pause', '3.10', ''],
    ['[::1]:5000/a/b:v1', '[::1]:5000/a/b', 'v1', ''],
  ];
  for (const [input, repository, tag, dig] of valid) {
    it(`parses ${input}`, () => {
      assert.deepEqual(parseImageName(input), { repository, tag, digest: dig });
    });
  }
  const invalid = [
    '',
    'ROOT',
    'Nginx:latest',
    'root:tag:tag',
    'root@sha256:1234',
    `root@SHA256:${digest.slice(7)}`,
    `root@md5:${'a'.repeat(32)}`,
    `root@sha256:${digest.slice(7).toUpperCase()}`,
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    `a/${'b'.repeat(260)}`,
    'repo:-tag',
    'repo/',
  ];
  for (const input of invalid) {
    it(`rejects ${JSON.stringify(input.slice(0, 40))}`, () => {
      assert.equal(parseImageName(input), undefined);
    });
  }
  it('accepts an uppercase registry host', () => {
    assert.deepEqual(parseImageName('Example.COM/repo'), {
      repository: 'Example.COM/repo',
      tag: 'latest',
      digest: '',
    });
  });
});

describe('defaultPullPolicy', () => {
  const cases: [string, 'Always' | 'IfNotPresent'][] = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['nginx:LATEST', 'IfNotPresent'],
    [`nginx@${digest}`, 'IfNotPresent'],
    [`nginx:latest@${digest}`, 'Always'],
    [`nginx:1.27@${digest}`, 'IfNotPresent'],
    ['localhost:5000/app', 'Always'],
    ['localhost:5000/app:v2', 'IfNotPresent'],
    ['', 'IfNotPresent'],
    ['NGINX', 'IfNotPresent'],
  ];
  for (const [image, policy] of cases) {
    it(`${JSON.stringify(image)} → ${policy}`, () => {
      assert.equal(defaultPullPolicy(image), policy);
    });
  }
});
