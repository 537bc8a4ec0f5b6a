/**
 * containerd's RuntimeDefault seccomp profile (contrib/seccomp/seccomp_default.go), for amd64.
 *
 * A faithful subset: the unconditional allow list (with the syscalls newer containerd releases
 * added: close_range, epoll_pwait2, pidfd_*, rseq, landlock_*, futex_waitv, ...), the
 * `personality` argument filters, the amd64 extras, the capability-gated groups and the
 * `clone` namespace-flag filter for containers without CAP_SYS_ADMIN; `clone3` answers ENOSYS
 * without CAP_SYS_ADMIN so glibc falls back to `clone`, as containerd does. Left out: the
 * socket(AF_VSOCK) filter, the non-amd64 architectures and the kernel-version-gated entries.
 */
import type { OciSeccomp, OciSyscall } from './oci-types.ts';

const ALLOWED = `
  accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32
  clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
  clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2
  dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
  epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64
  fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat
  fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64
  fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue futex_time64
  futex_wait futex_waitv futex_wake futimesat getcpu getcwd getdents getdents64 getegid getegid32
  geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp
  getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit
  get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid gettimeofday
  getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel
  ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup
  io_submit ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown
  lchown32 lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr
  lstat lstat64 madvise map_shadow_stack membarrier memfd_create memfd_secret mincore mkdir
  mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open
  mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl
  msgget msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat
  _newselect open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc
  pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64
  process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink
  readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr
  rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask
  rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64
  rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam sched_get_priority_max
  sched_get_priority_min sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64
  sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select
  semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg
  sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer
  setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid
  setreuid32 setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address setuid
  setuid32 setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask
  sigreturn socket socketcall socketpair splice stat stat64 statfs statfs64 statx symlink
  symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete
  timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create
  timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate
  truncate64 ugetrlimit umask uname unlink unlinkat utime utimensat utimensat_time64 utimes vfork
  vmsplice wait4 waitid waitpid write writev
`
  .trim()
  .split(/\s+/);

const names = (s: string): string[] => s.split(' ');

/** Capability-gated syscall groups (containerd's switch over the bounding set). */
const BY_CAPABILITY: ReadonlyArray<[cap: string, names: string[]]> = [
  ['CAP_DAC_READ_SEARCH', names('open_by_handle_at')],
  [
    'CAP_SYS_ADMIN',
    names(
      'bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount ' +
        'mount_setattr move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname ' +
        'sethostname setns syslog umount umount2 unshare',
    ),
  ],
  ['CAP_SYS_BOOT', names('reboot')],
  ['CAP_SYS_CHROOT', names('chroot')],
  ['CAP_SYS_MODULE', names('delete_module init_module finit_module')],
  ['CAP_SYS_PACCT', names('acct')],
  [
    'CAP_SYS_PTRACE',
    names('kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace'),
  ],
  ['CAP_SYS_RAWIO', names('iopl ioperm')],
  ['CAP_SYS_TIME', names('settimeofday stime clock_settime clock_settime64')],
  ['CAP_SYS_TTY_CONFIG', names('vhangup')],
  ['CAP_SYS_NICE', names('get_mempolicy mbind set_mempolicy set_mempolicy_home_node')],
  ['CAP_SYSLOG', names('syslog')],
  ['CAP_BPF', names('bpf')],
  ['CAP_PERFMON', names('perf_event_open')],
];

/** CLONE_NEWNS | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWCGROUP. */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;
const EPERM = 1;
const ENOSYS = 38;

/**
 * The RuntimeDefault profile for a container whose bounding capability set is `bounding`.
 * Returns a fresh object the caller owns.
 */
export function defaultSeccompProfile(bounding: readonly string[]): OciSeccomp {
  const caps = new Set(bounding);
  const syscalls: OciSyscall[] = [
    { names: [...ALLOWED], action: 'SCMP_ACT_ALLOW' },
    ...[0x0, 0x0008, 0x20000, 0x20008, 0xffffffff].map((value): OciSyscall => ({
      names: ['personality'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }],
    })),
    { names: ['arch_prctl', 'modify_ldt'], action: 'SCMP_ACT_ALLOW' },
  ];
  for (const [cap, names] of BY_CAPABILITY) {
    if (caps.has(cap)) syscalls.push({ names: [...names], action: 'SCMP_ACT_ALLOW' });
  }
  if (!caps.has('CAP_SYS_ADMIN')) {
    syscalls.push({
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    });
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls,
  };
}
