// simbox shell: syntax, control flow, expansion, redirection, and the JSON continuation model
// (blocking commands, resume, traps) against the in-memory FakeSys.
import { describe, expect, it } from 'vitest';
import { commandNames, isCommand, resume, runTrap, start, trapFor, type Cont } from '../../src/kernel/sim/simbox/index.js';
import { FakeSys } from './fake-sys.js';

const ENV = { PATH: '/bin:/sbin:/usr/bin', HOME: '/root' };

function sh(script: string, sys = new FakeSys()) {
  const r = start(sys, ['sh', '-c', script], ENV);
  return { r, out: sys.out, err: sys.errOut, code: r.kind === 'exit' ? r.code : null, sys };
}

function cont(r: ReturnType<typeof start>): Cont {
  if (r.kind !== 'wait-child' && r.kind !== 'wait-all') throw new Error(`expected a wait, got ${r.kind}`);
  return r.cont;
}

describe('simbox shell: lists and status', () => {
  it('runs ; sequences in order', () => {
    expect(sh('echo a; echo b').out).toBe('a\nb\n');
  });
  it('&& runs the right side only on success', () => {
    expect(sh('true && echo yes; false && echo no').out).toBe('yes\n');
  });
  it('|| runs the right side only on failure', () => {
    expect(sh('false || echo rescued; true || echo never').out).toBe('rescued\n');
  });
  it('a && b || c falls through to c when a fails', () => {
    expect(sh('false && echo b || echo c').out).toBe('c\n');
  });
  it('$? holds the last status', () => {
    expect(sh('false; echo $?; true; echo $?').out).toBe('1\n0\n');
  });
  it('exit N ends the script with N', () => {
    const r = sh('echo before; exit 3; echo after');
    expect(r.out).toBe('before\n');
    expect(r.code).toBe(3);
  });
  it('the script exit status is the last command status', () => {
    expect(sh('true; false').code).toBe(1);
  });
  it('! negates a pipeline status', () => {
    expect(sh('! false; echo $?').out).toBe('0\n');
  });
  it('sh with no script exits 0', () => {
    const sys = new FakeSys();
    expect(start(sys, ['sh'], ENV)).toEqual({ kind: 'exit', code: 0 });
  });
});

describe('simbox shell: quoting and expansion', () => {
  it('single quotes keep text literal', () => {
    expect(sh(`X=1; echo '$X  "a"'`).out).toBe('$X  "a"\n');
  });
  it('double quotes expand variables and keep spaces', () => {
    expect(sh('X="a  b"; echo "[$X]" [$X]').out).toBe('[a  b] [a b]\n');
  });
  it('backslash escapes a metacharacter', () => {
    expect(sh('echo a\\;b \\$HOME').out).toBe('a;b $HOME\n');
  });
  it('${VAR} and ${VAR:-default}', () => {
    expect(sh('A=x; echo ${A}y ${B:-dflt}').out).toBe('xy dflt\n');
  });
  it('$$ is the shell pid', () => {
    expect(sh('echo $$').out).toBe('1\n');
  });
  it('# starts a comment', () => {
    expect(sh('echo a # not this\n# nor this\necho b').out).toBe('a\nb\n');
  });
  it('$(cmd) substitutes output without trailing newlines', () => {
    expect(sh('echo "host is $(hostname)!"').out).toBe('host is box!\n');
  });
  it('$((expr)) does integer arithmetic', () => {
    expect(sh('i=4; echo $((i * 2 + 1))').out).toBe('9\n');
  });
  it('globs expand against the filesystem', () => {
    const sys = new FakeSys({ '/tmp/a.txt': '', '/tmp/b.txt': '', '/tmp/c.log': '' });
    expect(sh('echo /tmp/*.txt', sys).out).toBe('/tmp/a.txt /tmp/b.txt\n');
  });
});

describe('simbox shell: variables and environment', () => {
  it('unexported variables do not reach commands', () => {
    expect(sh('X=1; env | grep ^X=').out).toBe('');
  });
  it('export puts a variable in the environment', () => {
    expect(sh('export X=1; env | grep ^X=').out).toBe('X=1\n');
  });
  it('VAR=x cmd sets VAR for that command only', () => {
    expect(sh('Y=2 env | grep ^Y=; echo "[$Y]"').out).toBe('Y=2\n[]\n');
  });
  it('environment given to start is visible', () => {
    expect(sh('echo $HOME').out).toBe('/root\n');
  });
});

describe('simbox shell: pipes and redirections', () => {
  it('| passes stdout to the next stage', () => {
    expect(sh('echo hello | cat').out).toBe('hello\n');
  });
  it('a pipeline status is the last stage status', () => {
    expect(sh('false | true; echo $?; true | false; echo $?').out).toBe('0\n1\n');
  });
  it('> truncates and writes a file', () => {
    const { sys } = sh('echo one > /tmp/f; echo two > /tmp/f');
    expect(sys.readFile('/tmp/f')).toBe('two\n');
  });
  it('>> appends', () => {
    const { sys } = sh('echo one > /tmp/f; echo two >> /tmp/f');
    expect(sys.readFile('/tmp/f')).toBe('one\ntwo\n');
  });
  it('< reads stdin from a file', () => {
    const sys = new FakeSys({ '/tmp/in': 'a\nb\nc\n' });
    expect(sh('wc -l < /tmp/in', sys).out).toBe('3\n');
  });
  it('2> sends stderr to a file', () => {
    const r = sh('cat /nope 2> /tmp/err');
    expect(r.err).toBe('');
    expect(r.sys.readFile('/tmp/err')).toBe("cat: can't open '/nope': No such file or directory\n");
  });
  it('2>&1 merges stderr into a pipe', () => {
    expect(sh('cat /nope 2>&1 | wc -l').out).toBe('1\n');
  });
  it('>/dev/null discards output', () => {
    expect(sh('echo gone >/dev/null; echo kept').out).toBe('kept\n');
  });
  it('writing to a read-only file system fails as ash reports it', () => {
    const sys = new FakeSys();
    sys.readOnly = ['/'];
    const r = sh('echo x > /x', sys);
    expect(r.err).toBe("sh: can't create /x: Read-only file system\n");
    expect(r.code).toBe(1);
  });
  it('here-documents feed stdin', () => {
    expect(sh('X=v; cat <<EOF\nval $X\nEOF\n').out).toBe('val v\n');
  });
});

describe('simbox shell: control flow', () => {
  it('if / elif / else', () => {
    expect(sh('if false; then echo a; elif true; then echo b; else echo c; fi').out).toBe('b\n');
  });
  it('for loops over words', () => {
    expect(sh('for x in a b c; do echo $x; done').out).toBe('a\nb\nc\n');
  });
  it('while loops with a counter', () => {
    expect(sh('i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done').out).toBe('0\n1\n2\n');
  });
  it('an endless while loop stops after 10000 iterations', () => {
    const r = sh('n=0; while true; do n=$((n+1)); done; echo $n');
    expect(r.out).toBe('10000\n');
    expect(r.err).toContain('10000 iterations');
  });
  it('break leaves the loop', () => {
    expect(sh('for x in 1 2 3; do [ $x = 2 ] && break; echo $x; done').out).toBe('1\n');
  });
  it('while read consumes stdin line by line', () => {
    expect(sh('printf "a\\nb\\n" | while read l; do echo "<$l>"; done').out).toBe('<a>\n<b>\n');
  });
  it('functions take arguments', () => {
    expect(sh('greet() { echo "hi $1"; }; greet bob').out).toBe('hi bob\n');
  });
  it('( ) runs in a subshell: exit and cd do not leak', () => {
    expect(sh('(cd /tmp; exit 4); echo $? $(pwd)').out).toBe('4 /\n');
  });
});

describe('simbox shell: errors', () => {
  it('an unknown command is 127 with a note the first time only', () => {
    const sys = new FakeSys();
    const r = sh('nosuch; echo $?; nosuch2', sys);
    expect(r.out).toBe('127\n');
    expect(r.err).toBe(
      'sh: nosuch: not found\n' +
        "note: simbox, the simulated busybox, has a small command set ('ls /bin' lists it); real mode (--real) runs a full busybox.\n" +
        'sh: nosuch2: not found\n',
    );
    expect(r.code).toBe(127);
  });
  it('a syntax error exits 2 with ash text', () => {
    const r = sh('echo a; fi');
    expect(r.err).toBe('sh: syntax error: unexpected "fi"\n');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
  });
  it('an unfinished script is unexpected end of file', () => {
    const r = sh('echo a &&');
    expect(r.err).toBe('sh: syntax error: unexpected end of file\n');
    expect(r.code).toBe(2);
  });
  it('a command that would exceed pids.max cannot fork', () => {
    const sys = new FakeSys();
    sys.forksLeft = 0;
    const r = sh('echo builtin-ok; ls /', sys);
    expect(r.out).toBe('builtin-ok\n');
    expect(r.err).toBe("sh: can't fork: Resource temporarily unavailable\n");
    expect(r.code).toBe(2);
  });
});

describe('simbox shell: blocking commands and continuations', () => {
  it("sh -c 'sleep 600' execs sleep", () => {
    const r = start(new FakeSys(), ['sh', '-c', 'sleep 600'], ENV);
    expect(r).toEqual({ kind: 'exec', argv: ['sleep', '600'], program: { kind: 'sleep', ms: 600_000 } });
  });
  it('a bare blocking argv execs', () => {
    expect(start(new FakeSys(), ['sleep', 'infinity'], ENV)).toEqual({ kind: 'exec', argv: ['sleep', 'infinity'], program: { kind: 'sleep', ms: null } });
  });
  it('alloc holds memory', () => {
    expect(start(new FakeSys(), ['alloc', '64M', '10'], ENV)).toEqual({
      kind: 'exec', argv: ['alloc', '64M', '10'], program: { kind: 'hold', bytes: 64 * 1024 * 1024, ms: 10_000 },
    });
  });
  it('a foreground sleep returns wait-child; resume continues with $? = child status', () => {
    const sys = new FakeSys();
    const r = start(sys, ['sh', '-c', 'echo start; sleep 1.5; echo "after $?"'], ENV);
    expect(r.kind).toBe('wait-child');
    if (r.kind !== 'wait-child') return;
    expect(r.argv).toEqual(['sleep', '1.5']);
    expect(r.program).toEqual({ kind: 'sleep', ms: 1500 });
    expect(sys.out).toBe('start\n');
    const r2 = resume(sys, r.cont, 143);
    expect(r2).toEqual({ kind: 'exit', code: 0 });
    expect(sys.out).toBe('start\nafter 143\n');
  });
  it('a Cont survives JSON round trip and resumes inside a loop', () => {
    const sys = new FakeSys();
    let r = start(sys, ['sh', '-c', 'for i in 1 2; do echo "tick $i"; sleep 1; done; echo done'], ENV);
    let out = sys.out;
    for (let n = 0; n < 2; n++) {
      const c = JSON.parse(JSON.stringify(cont(r))) as Cont;
      const next = new FakeSys();
      r = resume(next, c, 0);
      out += next.out;
    }
    expect(r).toEqual({ kind: 'exit', code: 0 });
    expect(out).toBe('tick 1\ntick 2\ndone\n');
  });
  it('resumed output goes to the resuming SysCtx', () => {
    const sys = new FakeSys();
    const r = start(sys, ['sh', '-c', 'X=kept; sleep 1 | cat; echo "$X"'], ENV);
    const sys2 = new FakeSys();
    const r2 = resume(sys2, JSON.parse(JSON.stringify(cont(r))) as Cont, 0);
    expect(r2).toEqual({ kind: 'exit', code: 0 });
    expect(sys2.out).toBe('kept\n');
  });
  it('& of a blocking command spawns a child and sets $!', () => {
    const sys = new FakeSys();
    const r = sh('sleep 30 & echo "bg $!"', sys);
    expect(sys.spawned).toEqual([{ argv: ['sleep', '30'], program: { kind: 'sleep', ms: 30_000 }, pid: 10 }]);
    expect(r.out).toBe('bg 10\n');
    expect(r.code).toBe(0);
  });
  it('& of a loop hands it to a child shell', () => {
    const sys = new FakeSys();
    sh('while true; do sleep 1; done &', sys);
    expect(sys.spawned[0].argv).toEqual(['sh', '-c', 'while true; do sleep 1; done']);
    expect(sys.spawned[0].program).toMatchObject({ kind: 'shell' });
  });
  it('& of a quick command runs it now', () => {
    expect(sh('echo bg & echo fg').out).toBe('bg\nfg\n');
  });
  it('wait returns wait-all and resumes', () => {
    const sys = new FakeSys();
    const r = start(sys, ['sh', '-c', 'sleep 5 & wait; echo all done'], ENV);
    expect(r.kind).toBe('wait-all');
    expect(resume(sys, cont(r), 0)).toEqual({ kind: 'exit', code: 0 });
    expect(sys.out).toBe('all done\n');
  });
  it('trap runs on the signal and can exit', () => {
    const sys = new FakeSys();
    const r = start(sys, ['sh', '-c', "trap 'echo bye; exit 0' TERM; echo up; sleep 600"], ENV);
    expect(r.kind).toBe('wait-child');
    const c = cont(r);
    expect(trapFor(c, 'SIGTERM')).toBe(true);
    expect(trapFor(c, 'SIGINT')).toBe(false);
    expect(runTrap(sys, c, 'SIGTERM')).toEqual({ kind: 'exit', code: 0 });
    expect(sys.out).toBe('up\nbye\n');
  });
  it('after a trap without exit the script goes on with $? = 128+n', () => {
    const sys = new FakeSys();
    const r = start(sys, ['sh', '-c', "trap 'echo caught' INT; sleep 600; echo \"rc=$?\""], ENV);
    expect(runTrap(sys, cont(r), 'SIGINT')).toEqual({ kind: 'exit', code: 0 });
    expect(sys.out).toBe('caught\nrc=130\n');
  });
  it('trap - TERM removes the trap', () => {
    const r = start(new FakeSys(), ['sh', '-c', "trap 'echo x' TERM; trap - TERM; sleep 1"], ENV);
    expect(trapFor(cont(r), 'TERM')).toBe(false);
  });
  it('an EXIT trap runs when the script ends', () => {
    expect(sh("trap 'echo cleanup' EXIT; echo work").out).toBe('work\ncleanup\n');
  });
  it('spawn stops at EAGAIN with its message and exit 1', () => {
    const sys = new FakeSys();
    sys.forksLeft = 3; // sh -c 'spawn ...' execs spawn (no fork), so three children fit
    const r = sh('spawn 10 60', sys);
    expect(sys.spawned.length).toBe(3);
    expect(sys.spawned[0]).toMatchObject({ argv: ['sleep', '60'], program: { kind: 'sleep', ms: 60_000 } });
    expect(r.err).toBe("spawn: can't fork: Resource temporarily unavailable\n");
    expect(r.code).toBe(1);
  });
  it('spawn is quiet on success', () => {
    const sys = new FakeSys();
    const r = sh('spawn 3', sys);
    expect(r.out + r.err).toBe('');
    expect(sys.spawned.map((s) => s.program)).toEqual(Array(3).fill({ kind: 'sleep', ms: 3_600_000 }));
  });
});

describe('simbox command table', () => {
  it('knows its applets', () => {
    expect(isCommand('ls')).toBe(true);
    expect(isCommand('sleep')).toBe(true);
    expect(isCommand('sh')).toBe(true);
    expect(isCommand('vim')).toBe(false);
    expect(commandNames()).toContain('ip');
  });
  it('runs a plain argv as that command', () => {
    const sys = new FakeSys();
    expect(start(sys, ['hostname'], ENV)).toEqual({ kind: 'exit', code: 0 });
    expect(sys.out).toBe('box\n');
  });
});
