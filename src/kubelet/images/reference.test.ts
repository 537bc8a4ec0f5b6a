// Reference parsing against upstream's own tables (distribution/reference reference_test.go
// TestReferenceParse and normalize_test.go).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  familiarName,
  familiarString,
  formatReference,
  parseAnyReference,
  parseDockerRef,
  parseImageName,
  parseNormalizedNamed,
  parseReference,
  referenceName,
  REFERENCE_ERRORS as E,
} from './reference.ts';

const F64 = 'f'.repeat(64);

interface ParseCase {
  input: string;
  err?: string;
  repository?: string;
  domain?: string;
  tag?: string;
  digest?: string;
}

const parseCases: ParseCase[] = [
  { input: 'test_com', repository: 'test_com' },
  { input: 'test.com:tag', repository: 'test.com', tag: 'tag' },
  { input: 'test.com:5000', repository: 'test.com', tag: '5000' },
  { input: 'test.com/repo:tag', domain: 'test.com', repository: 'test.com/repo', tag: 'tag' },
  { input: 'test:5000/repo', domain: 'test:5000', repository: 'test:5000/repo' },
  { input: 'test:5000/repo:tag', domain: 'test:5000', repository: 'test:5000/repo', tag: 'tag' },
  {
    input: `test:5000/repo@sha256:${F64}`,
    domain: 'test:5000',
    repository: 'test:5000/repo',
    digest: `sha256:${F64}`,
  },
  {
    input: `test:5000/repo:tag@sha256:${F64}`,
    domain: 'test:5000',
    repository: 'test:5000/repo',
    tag: 'tag',
    digest: `sha256:${F64}`,
  },
  { input: '', err: E.nameEmpty },
  { input: ':justtag', err: E.invalidFormat },
  { input: `@sha256:${F64}`, err: E.invalidFormat },
  { input: `repo@sha256:${'f'.repeat(34)}`, err: E.checksumInvalidLength },
  { input: `validname@invaliddigest:${F64}`, err: E.checksumUnsupported },
  { input: 'Uppercase:tag', err: E.nameContainsUppercase },
  { input: 'test:5000/Uppercase/lowercase:tag', err: E.nameContainsUppercase },
  { input: 'lowercase:Uppercase', repository: 'lowercase', tag: 'Uppercase' },
  { input: 'a/'.repeat(128) + 'a:tag', err: E.nameTooLong },
  {
    input: 'a/'.repeat(127) + 'a:tag-puts-this-over-max',
    domain: 'a',
    repository: 'a/'.repeat(127) + 'a',
    tag: 'tag-puts-this-over-max',
  },
  { input: 'aa/asdf$$^/aa', err: E.invalidFormat },
  {
    input: 'sub-dom1.foo.com/bar/baz/quux',
    domain: 'sub-dom1.foo.com',
    repository: 'sub-dom1.foo.com/bar/baz/quux',
  },
  {
    input: 'sub-dom1.foo.com/bar/baz/quux:some-long-tag',
    domain: 'sub-dom1.foo.com',
    repository: 'sub-dom1.foo.com/bar/baz/quux',
    tag: 'some-long-tag',
  },
  {
    input: 'b.gcr.io/test.example.com/my-app:test.example.com',
    domain: 'b.gcr.io',
    repository: 'b.gcr.io/test.example.com/my-app',
    tag: 'test.example.com',
  },
  {
    input: 'xn--n3h.com/myimage:xn--n3h.com',
    domain: 'xn--n3h.com',
    repository: 'xn--n3h.com/myimage',
    tag: 'xn--n3h.com',
  },
  {
    input: `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${'f'.repeat(128)}`,
    domain: 'xn--7o8h.com',
    repository: 'xn--7o8h.com/myimage',
    tag: 'xn--7o8h.com',
    digest: `sha512:${'f'.repeat(128)}`,
  },
  { input: 'foo_bar.com:8080', repository: 'foo_bar.com', tag: '8080' },
  { input: 'foo/foo_bar.com:8080', domain: 'foo', repository: 'foo/foo_bar.com', tag: '8080' },
  { input: '192.168.1.1', repository: '192.168.1.1' },
  { input: '192.168.1.1:tag', repository: '192.168.1.1', tag: 'tag' },
  { input: '192.168.1.1:5000', repository: '192.168.1.1', tag: '5000' },
  { input: '192.168.1.1/repo', domain: '192.168.1.1', repository: '192.168.1.1/repo' },
  {
    input: '192.168.1.1:5000/repo',
    domain: '192.168.1.1:5000',
    repository: '192.168.1.1:5000/repo',
  },
  {
    input: '192.168.1.1:5000/repo:5050',
    domain: '192.168.1.1:5000',
    repository: '192.168.1.1:5000/repo',
    tag: '5050',
  },
  { input: '[2001:db8::1]', err: E.invalidFormat },
  { input: '[2001:db8::1]:5000', err: E.invalidFormat },
  { input: '[2001:db8::1]:tag', err: E.invalidFormat },
  { input: '[2001:db8::1]/repo', domain: '[2001:db8::1]', repository: '[2001:db8::1]/repo' },
  {
    input: '[2001:db8:1:2:3:4:5:6]/repo:tag',
    domain: '[2001:db8:1:2:3:4:5:6]',
    repository: '[2001:db8:1:2:3:4:5:6]/repo',
    tag: 'tag',
  },
  {
    input: '[2001:db8::1]:5000/repo',
    domain: '[2001:db8::1]:5000',
    repository: '[2001:db8::1]:5000/repo',
  },
  {
    input: '[2001:db8::1]:5000/repo:tag',
    domain: '[2001:db8::1]:5000',
    repository: '[2001:db8::1]:5000/repo',
    tag: 'tag',
  },
  {
    input: `[2001:db8::1]:5000/repo@sha256:${F64}`,
    domain: '[2001:db8::1]:5000',
    repository: '[2001:db8::1]:5000/repo',
    digest: `sha256:${F64}`,
  },
  {
    input: `[2001:db8::1]:5000/repo:tag@sha256:${F64}`,
    domain: '[2001:db8::1]:5000',
    repository: '[2001:db8::1]:5000/repo',
    tag: 'tag',
    digest: `sha256:${F64}`,
  },
  {
    input: '[2001:db8::]:5000/repo',
    domain: '[2001:db8::]:5000',
    repository: '[2001:db8::]:5000/repo',
  },
  { input: '[::1]:5000/repo', domain: '[::1]:5000', repository: '[::1]:5000/repo' },
  { input: '[fe80::1%eth0]:5000/repo', err: E.invalidFormat },
  { input: '[fe80::1%@invalidzone]:5000/repo', err: E.invalidFormat },
];

describe('parseReference (upstream TestReferenceParse)', () => {
  for (const tc of parseCases) {
    it(JSON.stringify(tc.input.slice(0, 60)), () => {
      if (tc.err !== undefined) {
        assert.throws(() => parseReference(tc.input), { message: tc.err });
        return;
      }
      const ref = parseReference(tc.input);
      assert.equal(formatReference(ref), tc.input);
      assert.equal(referenceName(ref), tc.repository);
      assert.equal(ref.domain, tc.domain ?? '');
      assert.equal(ref.tag, tc.tag);
      assert.equal(ref.digest, tc.digest);
    });
  }
});

describe('parseNormalizedNamed (upstream normalize_test.go)', () => {
  it('accepts upstream valid names and refuses the invalid ones', () => {
    const valid = [
      'docker/docker',
      'library/debian',
      'debian',
      'docker.io/docker/docker',
      'docker.io/library/debian',
      'docker.io/debian',
      'index.docker.io/docker/docker',
      'index.docker.io/library/debian',
      'index.docker.io/debian',
      '127.0.0.1:5000/docker/docker',
      '127.0.0.1:5000/library/debian',
      '127.0.0.1:5000/debian',
      '192.168.0.1',
      '192.168.0.1:80',
      '192.168.0.1:8/debian',
      '192.168.0.2:25000/debian',
      'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
      '[fc00::1]:5000/docker',
      '[fc00::1]:5000/docker/docker',
      '[fc00:1:2:3:4:5:6:7]:5000/library/debian',
      'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
      'Docker/docker',
      'DOCKER/docker',
      'docker-rules/docker',
      'docker---rules/docker',
      'd/docker',
      'jess/t',
      'dock__er/docker',
    ];
    const invalid = [
      'https://github.com/docker/docker',
      'docker/Docker',
      '-docker',
      '-docker/docker',
      '-docker.io/docker/docker',
      'docker///docker',
      'docker.io/docker/Docker',
      'docker.io/docker///docker',
      '[fc00::1]',
      '[fc00::1]:5000',
      'fc00::1:5000/debian',
      '[fe80::1%eth0]:5000/debian',
      '[2001:db8:3:4::192.0.2.33]:5000/debian',
      '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
      'docker-/docker',
      '-docker-/docker',
      '____/____',
      '_docker/_docker',
      'dock..er/docker',
      'dock_.er/docker',
      'dock-.er/docker',
      'docker/',
      'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4) + '/docker',
    ];
    for (const name of valid) assert.doesNotThrow(() => parseNormalizedNamed(name), name);
    for (const name of invalid) assert.throws(() => parseNormalizedNamed(name), name);
  });

  it('splits domains and familiar names as upstream (TestParseRepositoryInfo)', () => {
    const cases: [string[], string, string, string, string][] = [
      // [inputs, remote, familiar, full, domain]
      [
        ['fooo/bar', 'docker.io/fooo/bar', 'index.docker.io/fooo/bar'],
        'fooo/bar',
        'fooo/bar',
        'docker.io/fooo/bar',
        'docker.io',
      ],
      [
        ['ubuntu', 'docker.io/library/ubuntu', 'library/ubuntu'],
        'library/ubuntu',
        'ubuntu',
        'docker.io/library/ubuntu',
        'docker.io',
      ],
      [
        ['127.0.0.1:8000/private/moonbase'],
        'private/moonbase',
        '127.0.0.1:8000/private/moonbase',
        '127.0.0.1:8000/private/moonbase',
        '127.0.0.1:8000',
      ],
      [
        ['example.com:8000/privatebasee'],
        'privatebasee',
        'example.com:8000/privatebasee',
        'example.com:8000/privatebasee',
        'example.com:8000',
      ],
      [
        ['foo', 'docker.io/library/foo', 'docker.io/foo'],
        'library/foo',
        'foo',
        'docker.io/library/foo',
        'docker.io',
      ],
      [
        ['library/foo/bar', 'docker.io/library/foo/bar'],
        'library/foo/bar',
        'library/foo/bar',
        'docker.io/library/foo/bar',
        'docker.io',
      ],
      [['Foo/bar'], 'bar', 'Foo/bar', 'Foo/bar', 'Foo'],
      [['localhost/foo'], 'foo', 'localhost/foo', 'localhost/foo', 'localhost'],
    ];
    for (const [inputs, remote, familiar, full, domain] of cases) {
      for (const input of inputs) {
        const ref = parseNormalizedNamed(input);
        assert.equal(ref.path, remote, input);
        assert.equal(familiarName(ref), familiar, input);
        assert.equal(referenceName(ref), full, input);
        assert.equal(ref.domain, domain, input);
      }
    }
  });

  it('keeps tag and digest together (TestParseReferenceWithTagAndDigest)', () => {
    const short =
      'busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';
    const ref = parseNormalizedNamed(short);
    assert.equal(formatReference(ref), `docker.io/library/${short}`);
    assert.equal(familiarString(ref), short);
  });

  it('reports the lowercase error with the remote name', () => {
    assert.throws(() => parseNormalizedNamed('docker/Docker'), {
      message: 'invalid reference format: repository name (docker/Docker) must be lowercase',
    });
  });
});

describe('parseDockerRef / parseAnyReference / parseImageName', () => {
  const D = 'sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';
  it('normalises as containerd and the kubelet do', () => {
    assert.equal(formatReference(parseDockerRef('busybox')), 'docker.io/library/busybox:latest');
    assert.equal(formatReference(parseDockerRef('busybox:1.36')), 'docker.io/library/busybox:1.36');
    assert.equal(
      formatReference(parseDockerRef(`busybox:latest@${D}`)),
      `docker.io/library/busybox@${D}`,
    );
    assert.equal(
      formatReference(parseDockerRef('127.0.0.1:5000/probe/busybox:v1')),
      '127.0.0.1:5000/probe/busybox:v1',
    );
  });
  it('parses identifiers and digests (TestParseAnyReference)', () => {
    assert.equal(formatReference(parseAnyReference(D.slice(7))), D);
    assert.equal(formatReference(parseAnyReference(D)), D);
    assert.equal(formatReference(parseAnyReference('redis')), 'docker.io/library/redis');
    assert.equal(formatReference(parseAnyReference('dbcc1')), 'docker.io/library/dbcc1');
    assert.equal(
      formatReference(parseAnyReference(`dmcgowan/myapp@${D}`)),
      `docker.io/dmcgowan/myapp@${D}`,
    );
  });
  it('defaults the tag only without a digest (parsers.ParseImageName)', () => {
    assert.deepEqual(parseImageName('busybox'), {
      repo: 'docker.io/library/busybox',
      tag: 'latest',
      digest: '',
    });
    assert.deepEqual(parseImageName(`busybox@${D}`), {
      repo: 'docker.io/library/busybox',
      tag: '',
      digest: D,
    });
  });
});
