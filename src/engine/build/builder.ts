// docker build, as the classic builder (DOCKER_BUILDKIT=0) does it: stage by stage, one step per
// instruction, each step a new (untagged) image on top of the one before. RUN executes in a
// container of the image so far and that container's writable layer becomes the next layer;
// COPY/ADD make their layer straight from the sources; the other instructions change only the
// config and add a history row with no layer. Every step is looked up in the build cache first,
// keyed like Docker's: the parent image, the instruction after expansion, and for COPY/ADD the
// checksum of what is copied. Each step is its own lab transaction; a RUN is waited for between
// transactions, as `run` waits, so other boxlab commands can run meanwhile.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { FsEntry } from '../../kernel/kernel.js';
import { createContainer, refresh, removeContainer, startContainer } from '../containers/lifecycle.js';
import { UnknownUser } from '../containers/user.js';
import { readLog, type Engine, type Io } from '../engine.js';
import { UserError } from '../errors.js';
import { ensureImage } from '../images/catalog.js';
import { familiarOf, registerImage, storeLayer, storeOf } from '../images/images.js';
import { packLayer, upperToLayer, type PackedLayer } from '../images/layers.js';
import { canonicalOf, configOf, tagImage } from '../images/manage.js';
import { parseReference } from '../images/reference.js';
import type { Descriptor, ImageConfig, Manifest } from '../images/store.js';
import type { Tx } from '../lab.js';
import type { ImageRec } from '../state.js';
import { loadContext, type BuildContext, type BuildContextSpec } from './context.js';
import { copyEntries, readRoot, resolveChown } from './copy.js';
import {
  DockerfileParseError, ExpandError, argsOf, expand, parseDockerfile, stages as stagesOf, type Instruction, type Stage,
} from './dockerfile.js';
import { parseDuration, parseFlags } from './instructions.js';

export interface BuildOptions {
  context: BuildContextSpec;
  /** the Dockerfile's path inside the context (default Dockerfile) */
  dockerfile?: string;
  /** the Dockerfile itself (stdin, or a file outside the context); wins over `dockerfile` */
  dockerfileText?: string;
  tags: string[];
  noCache?: boolean;
  buildArgs: Record<string, string>;
  target?: string;
  /** -q: print only the image id (a failing RUN's output still shows) */
  quiet?: boolean;
}

export interface BuildResult {
  imageId: string;
}

/** The config fields the classic builder writes that ImageConfig does not name. */
type RunConfig = ImageConfig['config'] & {
  Shell?: string[];
  OnBuild?: string[] | null;
  Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
};

const DEFAULT_SHELL = ['/bin/sh', '-c'];
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** build args Docker knows without an ARG line, never reported as unused */
const BUILTIN_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
/** Go's %q of a []string, as the classic builder writes CMD and ENTRYPOINT in history */
const goList = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

interface StageState {
  index: number;
  name?: string;
  /** the image so far; null for `FROM scratch` before any step */
  imageId: string | null;
  config: ImageConfig;
  /** ARG values in scope in this stage */
  args: Map<string, string>;
  /** CMD set in this stage (ENTRYPOINT then leaves it alone) */
  cmdSet: boolean;
}

class Builder {
  private ctx!: BuildContext;
  private escape = '\\';
  private globals = new Map<string, string>();
  private consumed = new Set<string>();
  private built: StageState[] = [];
  private trees = new Map<string, Map<string, FsEntry>>();
  private step = 0;
  private total = 0;
  private out: Io;

  constructor(
    private engine: Engine,
    private opts: BuildOptions,
    private io: Io,
  ) {
    const quietOut = { out: () => undefined, err: (t: string) => io.err(t) };
    this.out = opts.quiet ? quietOut : io;
  }

  async run(): Promise<BuildResult> {
    const o = this.opts;
    for (const t of o.tags) {
      try {
        const ref = parseReference(t);
        if (ref.digest) throw new Error('digest');
      } catch {
        throw new UserError(`invalid argument "${t}" for "-t, --tag" flag: invalid reference format`, 'A tag is name[:tag], in lower case.', 125);
      }
    }
    this.ctx = await loadContext(o.context, { dockerfile: o.dockerfile, dockerfileText: o.dockerfileText });
    if (o.context.kind !== 'none') this.out.out(`Sending build context to Docker daemon  ${humanBytes(contextSize(this.ctx))}\n`);
    let parsed;
    try {
      parsed = parseDockerfile(this.ctx.dockerfile);
    } catch (e) {
      if (e instanceof DockerfileParseError) throw new UserError(`Dockerfile:${e.line}: ${e.detail}`, 'Fix the Dockerfile; `boxlab dockerfile parse FILE` shows how each line is read.', 1);
      throw e;
    }
    this.escape = parsed.directives.escape;
    let st: ReturnType<typeof stagesOf>;
    try {
      st = stagesOf(parsed);
    } catch (e) {
      if (e instanceof DockerfileParseError) throw new UserError(`Dockerfile:${e.line}: ${e.detail}`, 'A Dockerfile starts with FROM (ARG lines may come before it).', 1);
      throw e;
    }
    if (!st.stages.length) throw new UserError('Dockerfile:1: no build stage in current context', 'A Dockerfile needs a FROM line.', 1);
    let stages = st.stages;
    if (o.target) {
      const ix = stages.findIndex((s) => s.name === o.target!.toLowerCase());
      if (ix < 0) throw new UserError(`failed to reach build target ${o.target} in Dockerfile`, 'Name a stage given with FROM ... AS NAME.', 1);
      stages = stages.slice(0, ix + 1);
    }
    const globalLines = parsed.instructions.slice(0, parsed.instructions.indexOf(st.stages[0].from));
    this.total = globalLines.length + stages.reduce((n, s) => n + 1 + s.instructions.length, 0);

    // ARGs before the first FROM: usable in FROM lines, and as defaults for ARGs in stages
    for (const ins of globalLines) {
      this.printStep(ins);
      for (const a of argsOf(ins)) {
        this.consumed.add(a.name);
        const v = o.buildArgs[a.name] ?? (a.value !== undefined ? this.expand(a.value, Object.fromEntries(this.globals), ins) : undefined);
        if (v !== undefined) this.globals.set(a.name, v);
      }
    }

    let last: StageState | null = null;
    for (const stage of stages) last = await this.buildStage(stage);
    const final = last!;
    if (!final.imageId) {
      // FROM scratch and nothing else: an image of no layers still gets made
      final.imageId = (await this.engine.tx((tx) => this.commit(tx, final, '', {}))).id;
    }

    const unused = Object.keys(o.buildArgs).filter((k) => !this.consumed.has(k) && !BUILTIN_ARGS.includes(k)).sort();
    if (unused.length) this.out.out(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    const id = final.imageId;
    this.out.out(`Successfully built ${short(id)}\n`);
    await this.engine.tx(async (tx) => {
      for (const t of o.tags) {
        tagImage(tx, id, t);
        this.out.out(`Successfully tagged ${familiarOf(canonicalOf(t))}\n`);
      }
      tx.step('layer.add', `Built image ${short(id)} from ${this.total} Dockerfile steps${o.tags.length ? `, tagged ${o.tags.join(', ')}` : ''}.`, `docker build${o.tags.map((t) => ` -t ${t}`).join('')} .`);
    });
    if (o.quiet) this.io.out(`${id}\n`);
    return { imageId: id };
  }

  private printStep(ins: Instruction): void {
    this.step++;
    this.out.out(`Step ${this.step}/${this.total} : ${ins.original.trim()}\n`);
  }

  private expand(word: string, env: Record<string, string>, ins: Instruction): string {
    try {
      return expand(word, env, this.escape);
    } catch (e) {
      if (e instanceof ExpandError) throw new UserError(`Dockerfile:${ins.line}: ${e.message}`, 'Check the ${...} syntax.', 1);
      throw e;
    }
  }

  /** The variables an instruction is expanded with: the stage's ARGs, then ENV over them. */
  private envOf(s: StageState): Record<string, string> {
    const env: Record<string, string> = Object.fromEntries(s.args);
    for (const e of s.config.config.Env ?? []) {
      const i = e.indexOf('=');
      env[i < 0 ? e : e.slice(0, i)] = i < 0 ? '' : e.slice(i + 1);
    }
    return env;
  }

  private async buildStage(stage: Stage): Promise<StageState> {
    this.printStep(stage.from);
    const base = this.expand(stage.baseName, Object.fromEntries(this.globals), stage.from);
    const s: StageState = { index: stage.index, name: stage.name, imageId: null, config: scratchConfig(this.now()), args: new Map(), cmdSet: false };
    const earlier = this.built.find((b) => b.name !== undefined && b.name === base.toLowerCase());
    if (earlier) {
      s.imageId = earlier.imageId;
      s.config = structuredClone(earlier.config);
    } else if (base.toLowerCase() !== 'scratch') {
      const r = await this.engine.tx(async (tx) => {
        const img = await ensureImage(tx, base, (l) => {
          if (!l.startsWith('Unable to find image')) this.out.out(`${l}\n`);
        });
        return { id: img.id, config: configOf(tx, img) };
      });
      s.imageId = r.id;
      s.config = r.config;
    }
    if (!(s.config.config.Env ?? []).some((e) => e.startsWith('PATH='))) s.config.config.Env = [DEFAULT_PATH, ...(s.config.config.Env ?? [])];
    if (s.imageId) this.out.out(` ---> ${short(s.imageId)}\n`);

    // ONBUILD triggers of the base image run first
    const triggers = (s.config.config as RunConfig).OnBuild ?? [];
    if (triggers.length) {
      this.out.out(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
      (s.config.config as RunConfig).OnBuild = null;
      for (const t of triggers) {
        const ins = parseDockerfile(t).instructions[0];
        if (ins) await this.dispatch(s, { ...ins, line: stage.from.line });
      }
    }
    for (const ins of stage.instructions) {
      this.printStep(ins);
      await this.dispatch(s, ins);
    }
    this.built.push(s);
    return s;
  }

  private now(): number {
    return this.engine.clock.now();
  }

  // ---- images for steps, and the cache -----------------------------------------------

  private cacheKey(parent: string | null, createdBy: string): string {
    return sha(JSON.stringify([parent ?? 'scratch', createdBy]));
  }

  /** A cached result for this step, if the cache is on and the image is still there. */
  private cached(tx: Tx, s: StageState, createdBy: string): ImageRec | null {
    if (this.opts.noCache) return null;
    const cache = tx.state.buildCache ?? {};
    const key = this.cacheKey(s.imageId, createdBy);
    const id = cache[key];
    if (!id) return null;
    const img = tx.state.images[id];
    if (!img) {
      delete cache[key];
      return null;
    }
    return img;
  }

  private useCache(tx: Tx, s: StageState, img: ImageRec): void {
    this.out.out(` ---> Using cache\n ---> ${short(img.id)}\n`);
    s.imageId = img.id;
    s.config = configOf(tx, img);
  }

  private parentLayers(tx: Tx, parent: string | null): (Descriptor & { diffId: string; unpackedSize: number })[] {
    if (!parent) return [];
    const img = tx.state.images[parent];
    if (!img) throw new UserError(`the image ${short(parent)} this build stands on is gone from the store`, 'Build again.', 1);
    const man = storeOf(tx).getJson<Manifest>(img.manifestDigest);
    return man.layers.map((d, i) => ({ ...d, diffId: img.layers[i].diffId, unpackedSize: img.layers[i].size }));
  }

  /** A new image for this step: the parent's config changed by `mutate`, one more history row, maybe a layer. */
  private async commit(
    tx: Tx,
    s: StageState,
    createdBy: string,
    opts: { layer?: PackedLayer; mutate?: (c: RunConfig) => void; cache?: boolean },
  ): Promise<ImageRec> {
    const cfg = structuredClone(s.config);
    const created = new Date(tx.kernel.clock.now()).toISOString();
    cfg.created = created;
    opts.mutate?.(cfg.config as RunConfig);
    const layers = this.parentLayers(tx, s.imageId);
    if (createdBy) cfg.history = [...cfg.history, { created, created_by: createdBy, ...(opts.layer ? {} : { empty_layer: true }) }];
    if (opts.layer) {
      const desc = storeLayer(tx, opts.layer);
      cfg.rootfs = { type: 'layers', diff_ids: [...cfg.rootfs.diff_ids, opts.layer.diffId] };
      layers.push({ ...desc, diffId: opts.layer.diffId, unpackedSize: opts.layer.size });
    }
    const img = await registerImage(tx, { config: cfg, layers, names: [] });
    if (s.imageId && s.imageId !== img.id) img.parent = s.imageId;
    if (createdBy && opts.cache !== false) {
      tx.state.buildCache ??= {};
      tx.state.buildCache[this.cacheKey(s.imageId, createdBy)] = img.id;
    }
    s.imageId = img.id;
    s.config = cfg;
    return img;
  }

  /** A metadata step: cached, or a new image with an empty-layer history row. */
  private async meta(s: StageState, text: string, mutate: (c: RunConfig) => void): Promise<void> {
    const createdBy = `/bin/sh -c #(nop)  ${text}`;
    await this.engine.tx(async (tx) => {
      const hit = this.cached(tx, s, createdBy);
      if (hit) return this.useCache(tx, s, hit);
      const img = await this.commit(tx, s, createdBy, { mutate });
      this.out.out(` ---> ${short(img.id)}\n`);
    });
  }

  // ---- instructions ----------------------------------------------------------------------

  private async dispatch(s: StageState, ins: Instruction): Promise<void> {
    const env = () => this.envOf(s);
    const ex = (w: string) => this.expand(w, env(), ins);
    const shellForm = (args: string[], json: boolean): string[] => (json ? args : [...((s.config.config as RunConfig).Shell ?? DEFAULT_SHELL), args.join(' ')]);
    switch (ins.instruction) {
      case 'RUN':
        return this.runStep(s, ins);
      case 'COPY':
      case 'ADD':
        return this.copyStep(s, ins);
      case 'CMD': {
        const cmd = shellForm(ins.args, ins.json);
        s.cmdSet = true;
        return this.meta(s, `CMD ${goList(cmd)}`, (c) => void (c.Cmd = cmd));
      }
      case 'ENTRYPOINT': {
        const ep = shellForm(ins.args, ins.json);
        const resetCmd = !s.cmdSet;
        return this.meta(s, `ENTRYPOINT ${goList(ep)}`, (c) => {
          c.Entrypoint = ep;
          if (resetCmd) delete c.Cmd;
        });
      }
      case 'ENV': {
        const pairs: [string, string][] = [];
        for (let i = 0; i + 1 < ins.args.length; i += 2) {
          const k = ex(ins.args[i]);
          const v = ex(ins.args[i + 1]);
          pairs.push([k, v]);
        }
        return this.meta(s, `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`, (c) => {
          const list = [...(c.Env ?? [])];
          for (const [k, v] of pairs) {
            const i = list.findIndex((e) => e.split('=')[0] === k);
            if (i >= 0) list[i] = `${k}=${v}`;
            else list.push(`${k}=${v}`);
          }
          c.Env = list;
        });
      }
      case 'ARG': {
        const parts: string[] = [];
        for (const a of argsOf(ins)) {
          this.consumed.add(a.name);
          const given = this.opts.buildArgs[a.name];
          const def = a.value !== undefined ? ex(a.value) : this.globals.get(a.name);
          const v = given ?? def;
          if (v !== undefined) s.args.set(a.name, v);
          parts.push(a.value !== undefined ? `${a.name}=${def}` : a.name);
        }
        return this.meta(s, `ARG ${parts.join(' ')}`, () => undefined);
      }
      case 'WORKDIR': {
        const w = ex(ins.args[0]);
        const dir = posix.resolve(s.config.config.WorkingDir || '/', w);
        return this.meta(s, `WORKDIR ${dir}`, (c) => void (c.WorkingDir = dir));
      }
      case 'LABEL': {
        const pairs: [string, string][] = [];
        for (let i = 0; i + 1 < ins.args.length; i += 2) pairs.push([ex(ins.args[i]), ex(ins.args[i + 1])]);
        return this.meta(s, `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`, (c) => {
          c.Labels = { ...(c.Labels ?? {}) };
          for (const [k, v] of pairs) c.Labels[k] = v;
        });
      }
      case 'MAINTAINER': {
        const who = ex(ins.args[0]);
        return this.meta(s, `MAINTAINER ${who}`, () => undefined);
      }
      case 'EXPOSE': {
        const ports = ins.args.flatMap((a) => ex(a).split(/\s+/)).filter(Boolean).map((p) => (p.includes('/') ? p.toLowerCase() : `${p}/tcp`));
        for (const p of ports) {
          if (!/^\d+(-\d+)?\/(tcp|udp|sctp)$/.test(p)) throw new UserError(`Invalid containerPort: ${p.replace(/\/tcp$/, '')}`, 'EXPOSE takes ports like 80, 80/tcp or 53/udp.', 1);
        }
        const sorted = [...new Set(ports)].sort();
        return this.meta(s, `EXPOSE map[${sorted.map((p) => `${p}:{}`).join(' ')}]`, (c) => {
          c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
          for (const p of sorted) c.ExposedPorts[p] = {};
        });
      }
      case 'USER': {
        const u = ex(ins.args[0]);
        return this.meta(s, `USER ${u}`, (c) => void (c.User = u));
      }
      case 'VOLUME': {
        const vols = ins.args.map(ex).filter(Boolean);
        return this.meta(s, `VOLUME ${goList(vols).replace(/"/g, '')}`, (c) => {
          c.Volumes = { ...(c.Volumes ?? {}) };
          for (const v of vols) c.Volumes[v] = {};
        });
      }
      case 'STOPSIGNAL': {
        const sig = ex(ins.args[0]);
        return this.meta(s, `STOPSIGNAL ${sig}`, (c) => void (c.StopSignal = sig));
      }
      case 'SHELL':
        return this.meta(s, `SHELL ${goList(ins.args)}`, (c) => void (c.Shell = [...ins.args]));
      case 'HEALTHCHECK': {
        if (ins.args[0].toUpperCase() === 'NONE') return this.meta(s, 'HEALTHCHECK &{["NONE"]}', (c) => void (c.Healthcheck = { Test: ['NONE'] }));
        const f = parseFlags('HEALTHCHECK', ins.flags) as Record<string, string>;
        const rest = ins.args.slice(1);
        const test = ins.json ? ['CMD', ...rest] : ['CMD-SHELL', rest.join(' ')];
        const hc: NonNullable<RunConfig['Healthcheck']> = { Test: test };
        const ns = (v?: string) => (v ? Math.round(parseDuration(v) * 1e6) : undefined);
        if (f.interval) hc.Interval = ns(f.interval);
        if (f.timeout) hc.Timeout = ns(f.timeout);
        if (f['start-period']) hc.StartPeriod = ns(f['start-period']);
        if (f['start-interval']) hc.StartInterval = ns(f['start-interval']);
        if (f.retries) hc.Retries = Number(f.retries);
        return this.meta(s, `HEALTHCHECK &{${goList(test)} ${JSON.stringify(f)}}`, (c) => void (c.Healthcheck = hc));
      }
      case 'ONBUILD': {
        const trigger = ins.args[0].trim();
        const sub = ins.sub;
        const text = sub ? `${sub.instruction}${trigger.slice(sub.instruction.length)}` : trigger;
        return this.meta(s, `ONBUILD ${text}`, (c) => void (c.OnBuild = [...(c.OnBuild ?? []), text]));
      }
      default:
        throw new UserError(`Dockerfile:${ins.line}: unknown instruction: ${ins.instruction}`, 'See the Dockerfile reference.', 1);
    }
  }

  private async runStep(s: StageState, ins: Instruction): Promise<void> {
    if (ins.heredocs?.length) throw new UserError(`Dockerfile:${ins.line}: RUN with a heredoc needs BuildKit; boxlab builds as the classic builder does`, 'Write the commands on the RUN line, joined with && and \\.', 1);
    const cfg = s.config.config as RunConfig;
    const argv = ins.json ? [...ins.args] : [...(cfg.Shell ?? DEFAULT_SHELL), ins.args.join(' ')];
    // build args are in the RUN's environment (unless ENV set the same name) and in its history row
    const envNames = new Set((cfg.Env ?? []).map((e) => e.split('=')[0]));
    const argEnv = [...s.args.entries()].filter(([k]) => !envNames.has(k)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`);
    const createdBy = `${argEnv.length ? `|${argEnv.length} ${argEnv.join(' ')} ` : ''}${argv.join(' ')}`;
    const command = argv.join(' ');

    const start = await this.engine.tx(async (tx) => {
      const hit = this.cached(tx, s, createdBy);
      if (hit) {
        this.useCache(tx, s, hit);
        return null;
      }
      if (!s.imageId) {
        throw new UserError(`failed to create task for container: exec: "${argv[0]}": stat ${argv[0]}: no such file or directory`, 'FROM scratch has no shell: COPY a static binary in first, or build FROM busybox.', 1);
      }
      // as the classic builder: the RUN runs as USER, and the image's VOLUMEs are anonymous volumes
      // of its container, so what it writes there never reaches the layer
      const c = await createContainer(tx, { image: s.imageId, cmd: argv, entrypoint: '', env: argEnv, workdir: cfg.WorkingDir || '/', user: cfg.User ?? '' });
      // WORKDIR is made when it is missing, in this RUN's layer
      const wd = cfg.WorkingDir;
      if (wd && wd !== '/') {
        let found = false;
        for (const l of c.layer.lower) if (await tx.kernel.fs.exists(`${l}${wd}`)) found = true;
        if (!found) await tx.kernel.fs.mkdirp(`${c.layer.upper}${wd}`);
      }
      try {
        await startContainer(tx, c);
      } catch (e) {
        if (tx.state.containers[c.id]) await removeContainer(tx, c, { force: true, volumes: true });
        if (e instanceof UnknownUser) throw new UserError(`Dockerfile:${ins.line}: ${e.message}`, e.tryNext, 1);
        throw e;
      }
      return c.id;
    });
    if (!start) return;
    const id = start;
    this.out.out(` ---> Running in ${short(id)}\n`);
    let offset = 0;
    const buffered: { stream: 'stdout' | 'stderr'; log: string }[] = [];
    let code = 0;
    for (;;) {
      const r = await this.engine.tx(async (tx) => {
        const c = tx.state.containers[id];
        if (!c) return { done: true, code: 137 };
        await refresh(tx, c, { autoRemove: false });
        const got = readLog(c.logPath, offset);
        offset = got.offset;
        for (const l of got.lines) {
          if (this.opts.quiet) buffered.push(l);
          else (l.stream === 'stderr' ? this.io.err : this.io.out)(l.log);
        }
        if (c.state.status === 'running') return { done: false, code: 0 };
        return { done: true, code: c.state.oomKilled && c.state.exitCode === 0 ? 137 : c.state.exitCode };
      });
      if (r.done) {
        code = r.code;
        break;
      }
      await this.engine.clock.sleep(this.engine.pollMs);
    }

    await this.engine.tx(async (tx) => {
      const c = tx.state.containers[id];
      if (code !== 0) {
        if (c) await removeContainer(tx, c, { force: true, volumes: true });
        for (const l of buffered) (l.stream === 'stderr' ? this.io.err : this.io.out)(l.log);
        throw new UserError(`The command '${command}' returned a non-zero code: ${code}`, undefined, 1);
      }
      if (!c) throw new UserError(`the build container ${short(id)} was removed while it ran`, 'Build again.', 1);
      const upper = await tx.kernel.fs.readTree(c.layer.upper);
      const packed = await packLayer(upperToLayer(upper));
      const img = await this.commit(tx, s, createdBy, { layer: packed });
      await removeContainer(tx, c, { force: true, volumes: true });
      this.out.out(`Removing intermediate container ${short(id)}\n ---> ${short(img.id)}\n`);
    });
  }

  /** The merged root filesystem of an image, read from its unpacked layers (kept for the build). */
  private async treeOf(tx: Tx, imageId: string | null): Promise<Map<string, FsEntry>> {
    if (!imageId) return new Map();
    const hit = this.trees.get(imageId);
    if (hit) return hit;
    const img = tx.state.images[imageId];
    const tree = await readRoot(tx, (img?.layers ?? []).map((l) => l.dir));
    this.trees.set(imageId, tree);
    return tree;
  }

  private async copyStep(s: StageState, ins: Instruction): Promise<void> {
    const instr = ins.instruction as 'COPY' | 'ADD';
    if (ins.heredocs?.length) throw new UserError(`Dockerfile:${ins.line}: ${instr} with a heredoc needs BuildKit; boxlab builds as the classic builder does`, 'Put the file in the context and COPY it.', 1);
    const env = this.envOf(s);
    const ex = (w: string) => this.expand(w, env, ins);
    const flags = parseFlags(instr, ins.flags) as Record<string, string>;
    const words = ins.args.map(ex);
    const dest = words[words.length - 1];
    const sources = words.slice(0, -1);
    const fromRef = flags.from !== undefined ? ex(flags.from) : undefined;
    let chmod: number | undefined;
    if (flags.chmod) {
      if (!/^[0-7]{3,4}$/.test(flags.chmod)) throw new UserError(`invalid chmod parameter: ${flags.chmod}. it should be octal string and between 0 and 07777`, 'Give an octal mode, e.g. --chmod=755.', 1);
      chmod = parseInt(flags.chmod, 8);
    }
    const chownSpec = flags.chown ? ex(flags.chown) : undefined;

    await this.engine.tx(async (tx) => {
      let from: Map<string, FsEntry>;
      if (fromRef !== undefined) {
        const byName = this.built.find((b) => b.name === fromRef.toLowerCase()) ?? (/^\d+$/.test(fromRef) ? this.built[Number(fromRef)] : undefined);
        if (!byName && /^\d+$/.test(fromRef)) throw new UserError(`invalid from flag value ${fromRef}: refers to current build stage`, 'COPY --from takes an earlier stage, by name or number.', 1);
        if (byName) from = await this.treeOf(tx, byName.imageId);
        else from = await this.treeOf(tx, (await ensureImage(tx, fromRef, (l) => void (l.startsWith('Unable') ? 0 : this.out.out(`${l}\n`)))).id);
      } else from = this.ctx.entries;
      const image = await this.treeOf(tx, s.imageId);
      const chown = chownSpec ? resolveChown(chownSpec, image) : undefined;
      const r = await copyEntries({
        instruction: instr, sources, dest, workdir: s.config.config.WorkingDir || '/', from, fromContext: fromRef === undefined,
        image, chown, chmod, now: tx.kernel.clock.now(),
      });
      const flagText = [fromRef !== undefined ? `--from=${fromRef}` : '', chownSpec ? `--chown=${chownSpec}` : '', flags.chmod ? `--chmod=${flags.chmod}` : ''].filter(Boolean).join(' ');
      const createdBy = `/bin/sh -c #(nop) ${instr} ${flagText ? `${flagText} ` : ''}${r.checksum} in ${dest} `;
      const hit = this.cached(tx, s, createdBy);
      if (hit) return this.useCache(tx, s, hit);
      const packed = await packLayer(r.entries);
      const img = await this.commit(tx, s, createdBy, { layer: packed });
      this.out.out(` ---> ${short(img.id)}\n`);
    });
  }
}

function scratchConfig(now: number): ImageConfig {
  return { created: new Date(now).toISOString(), architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
}

function contextSize(ctx: BuildContext): number {
  let n = 0;
  for (const e of ctx.entries.values()) n += 512 + (e.data ? Math.ceil(e.data.length / 512) * 512 : 0);
  return n + 1024;
}

/** go-units HumanSize, as docker prints the context size: 2.048kB */
function humanBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

/** docker build (the classic builder): returns the id of the image built. */
export async function build(engine: Engine, opts: BuildOptions, io: Io): Promise<BuildResult> {
  return new Builder(engine, opts, io).run();
}
