// simbox applets: output layout and error text as busybox prints them, against FakeSys.
import { describe, expect, it } from 'vitest';
import { start } from '../../src/kernel/sim/simbox/index.js';
import { FakeSys } from './fake-sys.js';

function run(script: string, sys = new FakeSys()) {
  const r = start(sys, ['sh', '-c', script], { HOME: '/root' });
  return { out: sys.out, err: sys.errOut, code: r.kind === 'exit' ? r.code : null, sys };
}

describe('simbox files', () => {
  it('ls -l prints busybox long lines with a total', () => {
    const sys = new FakeSys({ '/srv/app.txt': 'hello\n' });
    sys.nodes.set('/srv/link', { type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: Date.UTC(2024, 10, 25, 10, 0), target: 'app.txt' });
    expect(run('ls -l /srv', sys).out).toBe(
      'total 4\n' +
        '-rw-r--r--    1 root     root             6 Nov 25 10:00 app.txt\n' +
        'lrwxrwxrwx    1 root     root             7 Nov 25 10:00 link -> app.txt\n',
    );
  });
  it('ls -l shows directories with their link count', () => {
    expect(run('ls -ld /etc').out).toBe('drwxr-xr-x    2 root     root          4096 Nov 25 10:00 /etc\n');
  });
  it('ls lists one name per line, hiding dotfiles unless -a', () => {
    const sys = new FakeSys({ '/d/b': '', '/d/a': '', '/d/.h': '' });
    expect(run('ls /d', sys).out).toBe('a\nb\n');
    expect(run('ls -a /d', new FakeSys({ '/d/.h': '' })).out).toBe('.\n..\n.h\n');
  });
  it('ls of a missing path reports it busybox style', () => {
    const r = run('ls /nope');
    expect(r.err).toBe('ls: /nope: No such file or directory\n');
    expect(r.code).toBe(1);
  });
  it('cat of a missing file', () => {
    const r = run('cat x');
    expect(r.err).toBe("cat: can't open 'x': No such file or directory\n");
    expect(r.code).toBe(1);
  });
  it('mkdir without -p fails on a missing parent; -p creates it', () => {
    expect(run('mkdir a/b').err).toBe("mkdir: can't create directory 'a/b': No such file or directory\n");
    const r = run('mkdir -p /a/b/c && ls /a/b');
    expect(r.out).toBe('c\n');
  });
  it('rm of a missing file; rm -f is quiet', () => {
    expect(run('rm x').err).toBe("rm: can't remove 'x': No such file or directory\n");
    expect(run('rm -f x').code).toBe(0);
  });
  it('rm -r removes a tree', () => {
    const sys = new FakeSys({ '/t/a/b': 'x' });
    run('rm -r /t', sys);
    expect(sys.nodes.has('/t')).toBe(false);
  });
  it('touch, cp, mv and cat work together', () => {
    expect(run('echo hi > /tmp/a; cp /tmp/a /tmp/b; mv /tmp/b /tmp/c; cat /tmp/c; ls /tmp').out).toBe('hi\na\nc\n');
  });
  it('ln -s and readlink', () => {
    expect(run('ln -s /etc/hosts /tmp/h; readlink /tmp/h').out).toBe('/etc/hosts\n');
  });
  it('mount lists SOURCE on TARGET type FSTYPE (OPTS)', () => {
    expect(run('mount').out.split('\n')[1]).toBe('proc on /proc type proc (rw,nosuid,nodev,noexec)');
  });
  it('df prints busybox columns in 1K blocks', () => {
    expect(run('df').out).toBe(
      'Filesystem           1K-blocks      Used Available Use% Mounted on\n' +
        'overlay               67108864  20971520  46137344  32% /\n' +
        'tmpfs                    65536         0     65536   0% /dev\n',
    );
  });
  it('cd changes directory; pwd prints it', () => {
    expect(run('cd /tmp && pwd').out).toBe('/tmp\n');
    expect(run('cd /nope').err).toBe("sh: cd: can't cd to /nope: No such file or directory\n");
  });
});

describe('simbox processes and memory', () => {
  it('ps prints PID USER COMMAND, as Debian\'s busybox does', () => {
    const want = 'PID   USER     COMMAND\n    1 root     sh\n    7 root     sleep 600\n';
    expect(run('ps').out).toBe(want);
    expect(run('ps aux').out).toBe(want);
  });
  it('kill sends the named signal', () => {
    const r = run('kill 7; kill -9 7; kill -s INT 7');
    expect(r.sys.killed).toEqual([{ pid: 7, signal: 'SIGTERM' }, { pid: 7, signal: 'SIGKILL' }, { pid: 7, signal: 'SIGINT' }]);
  });
  it('kill of a missing pid', () => {
    const r = run('kill 99');
    expect(r.err).toBe("kill: can't kill pid 99: No such process\n");
    expect(r.code).toBe(1);
  });
  it('free prints busybox rows in KiB', () => {
    expect(run('free').out).toBe(
      '              total        used        free      shared  buff/cache   available\n' +
        'Mem:        8000000     1200000     4500000       11400     2300000     6600000\n' +
        'Swap:             0           0           0\n',
    );
  });
  it('free -m in MiB', () => {
    expect(run('free -m').out.split('\n')[1]).toBe('Mem:           7812        1171        4394          11        2246        6445');
  });
});

describe('simbox identity', () => {
  it('id reads /etc/passwd and /etc/group', () => {
    expect(run('id').out).toBe('uid=0(root) gid=0(root)\n');
  });
  it('hostname prints and sets', () => {
    expect(run('hostname; hostname web2; hostname').out).toBe('box\nweb2\n');
  });
  it('hostname set without privilege fails', () => {
    const sys = new FakeSys();
    sys.uid = 1000;
    expect(run('hostname x', sys).err).toBe('hostname: sethostname: Operation not permitted\n');
  });
  it('uname -a', () => {
    expect(run('uname -a').out).toBe('Linux box 6.8.0-boxlab #1 SMP PREEMPT_DYNAMIC boxlab-sim x86_64 GNU/Linux\n');
  });
});

describe('simbox network', () => {
  it('ip addr in iproute2 layout with eth0@ifN', () => {
    expect(run('ip addr').out).toBe(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n' +
        '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n' +
        '    inet 127.0.0.1/8 scope host lo\n' +
        '       valid_lft forever preferred_lft forever\n' +
        '11: eth0@if12: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue qlen 1000\n' +
        '    link/ether 02:42:0a:00:00:02 brd ff:ff:ff:ff:ff:ff\n' +
        '    inet 10.0.0.2/24 scope global eth0\n' +
        '       valid_lft forever preferred_lft forever\n',
    );
  });
  it('ip route', () => {
    expect(run('ip r').out).toBe('default via 10.0.0.1 dev eth0 \n10.0.0.0/24 dev eth0 scope link  src 10.0.0.2 \n');
  });
  it('ip -o puts each device, or each address with -4, on one line', () => {
    expect(run('ip -o link').out.split('\n')[1]).toBe(
      '11: eth0@if12: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue qlen 1000\\    link/ether 02:42:0a:00:00:02 brd ff:ff:ff:ff:ff:ff',
    );
    expect(run('ip -o -4 addr').out.split('\n')[1]).toBe('11: eth0    inet 10.0.0.2/24 scope global eth0\\       valid_lft forever preferred_lft forever');
  });
  it('ping -c prints busybox lines and statistics', () => {
    const r = run('ping -c 2 10.0.0.3');
    expect(r.out).toMatch(
      /^PING 10\.0\.0\.3 \(10\.0\.0\.3\): 56 data bytes\n64 bytes from 10\.0\.0\.3: seq=0 ttl=64 time=\d+\.\d{3} ms\n64 bytes from 10\.0\.0\.3: seq=1 ttl=64 time=\d+\.\d{3} ms\n\n--- 10\.0\.0\.3 ping statistics ---\n2 packets transmitted, 2 packets received, 0% packet loss\nround-trip min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms\n$/,
    );
    expect(r.code).toBe(0);
  });
  it('ping without -c sends 4', () => {
    expect(run('ping web').out).toContain('4 packets transmitted, 4 packets received, 0% packet loss');
  });
  it('ping with no route: Network is unreachable', () => {
    const sys = new FakeSys();
    sys.routeList = [];
    const r = run('ping -c 1 8.8.8.8', sys);
    expect(r.err).toBe('ping: sendto: Network is unreachable\n');
    expect(r.code).toBe(1);
  });
});

describe('simbox text', () => {
  const sys = () => new FakeSys({ '/f': 'alpha\nbeta\ngamma\nAlpha two\n' });
  it('wc counts lines words bytes; one count on stdin is unpadded', () => {
    expect(run('wc /f', sys()).out).toBe('        4         5        27 /f\n');
    expect(run('wc -l < /f', sys()).out).toBe('4\n');
  });
  it('grep, -v -i -c -n -q', () => {
    expect(run('grep alpha /f', sys()).out).toBe('alpha\n');
    expect(run('grep -i alpha /f', sys()).out).toBe('alpha\nAlpha two\n');
    expect(run('grep -v a /f', sys()).out).toBe('');
    expect(run('grep -c a /f', sys()).out).toBe('4\n');
    expect(run('grep -n gamma /f', sys()).out).toBe('3:gamma\n');
    expect(run('grep -q beta /f && echo found', sys()).out).toBe('found\n');
    expect(run('grep zzz /f', sys()).code).toBe(1);
  });
  it('grep uses basic regular expressions', () => {
    expect(run("grep '^b.*a$' /f", sys()).out).toBe('beta\n');
  });
  it('head and tail -n', () => {
    expect(run('head -n 2 /f', sys()).out).toBe('alpha\nbeta\n');
    expect(run('tail -n 1 /f', sys()).out).toBe('Alpha two\n');
    expect(run('cat /f | head -1', sys()).out).toBe('alpha\n');
  });
  it('echo -n and -e', () => {
    expect(run('echo -n a; echo -e "b\\tc"').out).toBe('ab\tc\n');
  });
  it('sort, uniq -c, cut', () => {
    expect(run('printf "b\\na\\nb\\n" | sort | uniq -c').out).toBe('      1 a\n      2 b\n');
    expect(run('echo a:b:c | cut -d: -f2,3').out).toBe('b:c\n');
  });
  it('tee writes a file and passes input on', () => {
    const r = run('echo x | tee /tmp/t');
    expect(r.out).toBe('x\n');
    expect(r.sys.readFile('/tmp/t')).toBe('x\n');
  });
  it('seq and printf', () => {
    expect(run('seq 2 4').out).toBe('2\n3\n4\n');
    expect(run('printf "%s=%d\\n" a 1 b 2').out).toBe('a=1\nb=2\n');
  });
  it('test / [ string, number and file checks', () => {
    expect(run('[ -f /f ] && [ -d /tmp ] && [ 3 -gt 2 ] && [ a != b ] && [ -z "" ] && echo ok', sys()).out).toBe('ok\n');
    expect(run('[ -e /nope ]').code).toBe(1);
  });
});
