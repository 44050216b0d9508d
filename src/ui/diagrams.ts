// Diagrams as data: the layer stack, the namespace table and the cgroup gauge, as plain shapes a
// panel draws. They come from the events a step emitted or, better, from a runner that can
// observe the lab (`view()`); the panels never look at the engine themselves.
import type { LabEvent } from '../engine/events.js';
import type { NsIds, NsType } from '../kernel/events.js';
import type { Observation } from '../kernel/kernel.js';
import type { LessonRunner } from '../lesson/types.js';

/** Image layers bottom first, then the container's writable layer. Paths like "etc/hosts". */
export interface LayerStackData {
  layers: { name: string; files: string[]; whiteouts?: string[] }[];
  upper: { name?: string; files: string[]; whiteouts: string[] };
}

export interface NamespaceData {
  host: Partial<NsIds>;
  container: Partial<NsIds>;
}

export interface GaugeData {
  usage: number;
  limit: number | null;
}

export interface CgroupData {
  path?: string;
  memory?: GaugeData;
  pids?: GaugeData;
  oomKills: number;
}

export interface LabView {
  namespaces?: NamespaceData;
  cgroup?: CgroupData;
  layers?: LayerStackData;
}

/** A runner that can also describe the lab's state for the diagrams (optional capability). */
export interface ViewableRunner extends LessonRunner {
  view?(): Promise<LabView>;
}

/** One path of the merged view and where it comes from. */
export interface MergedEntry {
  path: string;
  /** the layer's name, or the writable layer's */
  from: string;
  upper: boolean;
}

const covers = (whiteout: string, path: string): boolean => path === whiteout || path.startsWith(`${whiteout}/`);

/** The merged view overlayfs shows: the highest layer holding a path wins, whiteouts hide lower ones. */
export function mergeLayers(data: LayerStackData, upperName = 'upper'): MergedEntry[] {
  const stack = [
    { name: data.upper.name ?? upperName, files: data.upper.files, whiteouts: data.upper.whiteouts, upper: true },
    ...[...data.layers].reverse().map((l) => ({ ...l, whiteouts: l.whiteouts ?? [], upper: false })),
  ];
  const seen = new Map<string, MergedEntry>();
  const hidden: string[] = [];
  for (const layer of stack) {
    for (const path of layer.files) {
      if (seen.has(path) || hidden.some((w) => covers(w, path))) continue;
      seen.set(path, { path, from: layer.name, upper: layer.upper });
    }
    hidden.push(...layer.whiteouts);
  }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path));
}

const UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "100M", "104857600", "max" → bytes or null (no limit). */
export function parseLimit(value: string): number | null {
  const v = value.trim().toLowerCase();
  if (v === 'max' || v === '' || v === '-1') return null;
  const m = /^(\d+)([kmg])?b?$/.exec(v);
  if (!m) return null;
  return Number(m[1]) * (m[2] ? UNITS[m[2]] : 1);
}

const basename = (p: string): string => p.replace(/\/+$/, '').split('/').pop() ?? p;

/** What the events of a step say about the lab; later events win. */
export function viewFromEvents(events: readonly LabEvent[]): LabView {
  const view: LabView = {};
  const ns = (): NamespaceData => (view.namespaces ??= { host: {}, container: {} });
  const cg = (): CgroupData => (view.cgroup ??= { oomKills: 0 });
  for (const e of events) {
    switch (e.kind) {
      case 'namespace.create':
        ns().host[e.nsType] = e.hostId;
        ns().container[e.nsType] = e.id;
        break;
      case 'cgroup.write': {
        const c = cg();
        c.path = e.path;
        if (e.file === 'memory.max' || e.file === 'memory.limit_in_bytes') c.memory = { usage: c.memory?.usage ?? 0, limit: parseLimit(e.value) };
        if (e.file === 'pids.max') c.pids = { usage: c.pids?.usage ?? 0, limit: parseLimit(e.value) };
        break;
      }
      case 'process.oom-kill': {
        const c = cg();
        c.path = e.cgroup;
        c.memory = { usage: e.usage, limit: e.limit };
        c.oomKills += 1;
        break;
      }
      case 'process.fork-failed': {
        const c = cg();
        c.path = e.cgroup;
        c.pids = { usage: e.current, limit: e.limit };
        break;
      }
      case 'mount': {
        if (e.fstype !== 'overlay') break;
        const opt = (k: string): string | undefined => e.options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1);
        const lower = (opt('lowerdir') ?? '').split(':').filter(Boolean);
        const upper = opt('upperdir');
        // lowerdir lists the topmost layer first
        view.layers = {
          layers: lower.reverse().map((dir) => ({ name: basename(dir), files: [] })),
          upper: { name: upper ? basename(upper) : undefined, files: [], whiteouts: [] },
        };
        break;
      }
      default:
        break;
    }
  }
  return view;
}

/** The namespace table and cgroup gauge from a kernel observation of one process. */
export function viewFromObservation(obs: Observation): LabView {
  return {
    namespaces: { host: obs.hostNs, container: obs.ns },
    cgroup: {
      path: obs.cgroup,
      memory: { usage: obs.usage.memoryCurrent, limit: obs.limits.memoryMax },
      pids: { usage: obs.usage.pidsCurrent, limit: obs.limits.pidsMax },
      oomKills: obs.usage.oomKills,
    },
  };
}

/** Fill what `base` lacks from `extra` (an observed view beats one guessed from events). */
export function mergeViews(base: LabView, extra: LabView | undefined): LabView {
  if (!extra) return base;
  return {
    namespaces: extra.namespaces ?? base.namespaces,
    cgroup: extra.cgroup ?? base.cgroup,
    layers: extra.layers ?? base.layers,
  };
}

export const isEmptyView = (v: LabView): boolean => !v.namespaces && !v.cgroup && !v.layers;

export type { NsType };
