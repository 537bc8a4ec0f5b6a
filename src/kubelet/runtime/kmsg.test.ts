import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseOomKillRecord } from './kmsg.ts';

describe('parseOomKillRecord', () => {
  it('finds the victim cgroup of an oom-kill record', () => {
    const rec =
      '6,2843,1234567890,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/kubepods/pod1,task_memcg=/kubepods/pod1/c1,task=dd,pid=4242,uid=0\n';
    assert.equal(parseOomKillRecord(rec), '/kubepods/pod1/c1');
  });
  it('ignores other records', () => {
    assert.equal(
      parseOomKillRecord(
        '6,2844,1234567891,-;Memory cgroup out of memory: Killed process 4242 (dd)\n',
      ),
      undefined,
    );
    assert.equal(parseOomKillRecord('4,1,1,-;eth0: link up\n SUBSYSTEM=net\n'), undefined);
  });
});
