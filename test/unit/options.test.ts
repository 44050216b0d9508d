import { describe, expect, it } from 'vitest';
import { parseCpus, parseEnv, parseMemoryFlag, parsePidsLimit, parseSize, parseVolume } from '../../src/engine/containers/options.js';
import { parseRef } from '../../src/engine/images/reference.js';
import { splitContainerCommand } from '../../src/cli/split.js';
import { formatRows, humanDuration, humanSize, quoteCommand, renderTemplate, table } from '../../src/cli/format.js';

describe('flag values, read as docker reads them', () => {
  it('reads sizes with units, case-insensitive, with an optional b', () => {
    expect(parseSize('64m')).toBe(64 * 1024 ** 2);
    expect(parseSize('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('512kb')).toBe(512 * 1024);
    expect(parseSize('100')).toBe(100);
  });

  it('refuses a size it cannot read, with exit code 125', () => {
    expect(() => parseSize('12XB')).toThrow("invalid size: '12XB'");
    try {
      parseSize('12XB');
    } catch (e) {
      expect((e as { exitCode: number }).exitCode).toBe(125);
    }
  });

  it('refuses a memory limit under 6MB, as docker does', () => {
    expect(() => parseMemoryFlag('4m')).toThrow('Minimum memory limit allowed is 6MB');
    expect(parseMemoryFlag(undefined)).toBeNull();
  });

  it('turns --cpus into nano-CPUs and checks the range', () => {
    expect(parseCpus('0.5', 2)).toBe(500_000_000);
    expect(() => parseCpus('4', 2)).toThrow(/range of CPUs is from 0.01 to 2.00/);
    expect(() => parseCpus('abc', 2)).toThrow(/failed to parse/);
  });

  it('treats --pids-limit 0 or -1 as unlimited and refuses words', () => {
    expect(parsePidsLimit('5')).toBe(5);
    expect(parsePidsLimit('-1')).toBeNull();
    expect(() => parsePidsLimit('five')).toThrow(/invalid syntax/);
  });

  it('takes -e KEY from the caller environment when no value is given', () => {
    expect(parseEnv(['A=1', 'B'], (k) => (k === 'B' ? 'two' : undefined))).toEqual(['A=1', 'B=two']);
    expect(parseEnv(['C'], () => undefined)).toEqual([]);
  });

  it('tells named volumes, bind mounts and anonymous volumes apart', () => {
    expect(parseVolume('data:/data')).toMatchObject({ kind: 'named', source: 'data', destination: '/data', readonly: false });
    expect(parseVolume('/srv:/srv:ro')).toMatchObject({ kind: 'bind', readonly: true });
    expect(parseVolume('/scratch')).toMatchObject({ kind: 'anonymous', destination: '/scratch' });
    expect(() => parseVolume('data:relative')).toThrow(/invalid volume specification/);
    expect(() => parseVolume('data:/x:rx')).toThrow(/invalid volume specification/);
  });
});

describe('image references', () => {
  it('normalises short names to docker hub library images with tag latest', () => {
    expect(parseRef('busybox').familiar).toBe('busybox:latest');
    expect(parseRef('docker.io/library/busybox:1.36').familiar).toBe('busybox:1.36');
    expect(parseRef('localhost:5000/app').familiar).toBe('localhost:5000/app:latest');
  });

  it('refuses uppercase repository names', () => {
    expect(() => parseRef('BusyBox')).toThrow('invalid reference format');
  });
});

describe('command line splitting', () => {
  it("leaves the container's own flags to the container", () => {
    expect(splitContainerCommand(['run', '--rm', '-e', 'A=1', 'busybox', 'sh', '-c', 'echo hi'])).toEqual({
      head: ['run', '--rm', '-e', 'A=1', 'busybox'],
      rest: ['sh', '-c', 'echo hi'],
    });
  });

  it('knows global options before the verb and the container group', () => {
    expect(splitContainerCommand(['--mode', 'sim', 'container', 'exec', '-w', '/tmp', 'web', 'ls', '-l'])?.rest).toEqual(['ls', '-l']);
  });

  it('leaves other verbs alone', () => {
    expect(splitContainerCommand(['ps', '-a'])).toBeNull();
  });
});

describe('docker-style output', () => {
  it('pads table columns by three spaces, like Go tabwriter', () => {
    expect(table(['A', 'BB'], [['xxxx', 'y']])).toBe('A      BB\nxxxx   y\n');
  });

  it('speaks durations like go-units', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(1000)).toBe('1 second');
    expect(humanDuration(45_000)).toBe('45 seconds');
    expect(humanDuration(90_000)).toBe('About a minute');
    expect(humanDuration(5 * 60_000)).toBe('5 minutes');
    expect(humanDuration(3600_000)).toBe('About an hour');
    expect(humanDuration(3 * 24 * 3600_000)).toBe('3 days');
  });

  it('speaks sizes in decimal units with three significant digits', () => {
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(1234)).toBe('1.23kB');
    expect(humanSize(4_260_000)).toBe('4.26MB');
  });

  it('truncates a command to 20 characters with an ellipsis, then quotes it', () => {
    expect(quoteCommand('sleep 600')).toBe('"sleep 600"');
    expect(quoteCommand("sh -c 'for i in 1 2 3 4 5'")).toBe(`"sh -c 'for i in 1 2…"`);
  });

  it('renders Go-template fields, nested fields and json', () => {
    const d = { Name: 'web', State: { Pid: 42 } };
    expect(renderTemplate('{{.Name}} {{.State.Pid}}', d)).toBe('web 42');
    expect(renderTemplate('{{json .State}}', d)).toBe('{"Pid":42}');
    expect(() => renderTemplate('{{range .X}}', d)).toThrow(/unsupported/);
  });

  it('prints a header for table formats', () => {
    expect(formatRows('table {{.Names}}\\t{{.Status}}', [{ Names: 'web', Status: 'Up 1 second' }])).toBe('NAMES   STATUS\nweb     Up 1 second\n');
  });
});
