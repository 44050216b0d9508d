// `run --network none`: a container with a network namespace of its own and only lo in it, no
// address from the lab pool, no veth on the bridge; any other network name is refused.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/engine/errors.js';
import { capture, memoryLab } from '../helpers/lab.js';

describe('run --network none', () => {
  it('gives the container only lo: no eth0, no address from the pool, no veth on the bridge', async () => {
    const { engine } = memoryLab();
    const io = capture();
    const r = await engine.run({ image: 'busybox', cmd: ['ip', 'addr'], network: 'none', name: 'alone' }, io);
    expect(r.exitCode).toBe(0);
    expect(io.stdout).toMatch(/\blo\b/);
    expect(io.stdout).not.toMatch(/eth0/);
    const c = await engine.tx(async (tx) => structuredClone(Object.values(tx.state.containers).find((x) => x.name === 'alone')!));
    expect(c.hostConfig.networkMode).toBe('none');
    expect(c.network.ip).toBeNull();
    expect(await engine.tx(async (tx) => Object.keys(tx.state.ipam.allocated).length)).toBe(0);
  });

  it('keeps the bridge for containers that do not ask for none', async () => {
    const { engine } = memoryLab();
    const io = capture();
    const r = await engine.run({ image: 'busybox', cmd: ['ip', 'addr'] }, io);
    expect(r.exitCode).toBe(0);
    expect(io.stdout).toMatch(/eth0/);
  });

  it('refuses a network the lab does not have, and -p without a network', async () => {
    const { engine } = memoryLab();
    const io = capture();
    await expect(engine.run({ image: 'busybox', cmd: ['true'], network: 'host' }, io)).rejects.toThrow(/network host not found/);
    const e = await engine.run({ image: 'busybox', cmd: ['true'], network: 'none', publish: ['8080:80'] }, io).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).exitCode).toBe(125);
  });
});
