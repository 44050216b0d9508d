// Published figures, each with its source. None is measured here: the view marks every one
// "not measured here", and uses them where this machine cannot measure (sim mode, no root, no qemu).
import { NOT_MEASURED, type Cell, type Source } from './types.js';

export const SOURCES = {
  firecracker: {
    title: 'Firecracker SPECIFICATION.md',
    url: 'https://github.com/firecracker-microvm/firecracker/blob/main/SPECIFICATION.md',
  },
  youki: {
    title: "youki README (benchmark: create, start, delete; youki 0.3.3, runc 1.1.7, crun 1.15)",
    url: 'https://github.com/youki-dev/youki#readme',
  },
  cirros: {
    title: 'CirrOS 0.6.3 x86_64 disk image, as measured by shakenfist/instar',
    url: 'https://shakenfist.com/components/instar/image_notes/cirros-qcow2/',
  },
  boxlab: {
    title: 'boxlab compare --real on a 2-CPU Debian 12 cloud VM without working KVM (qemu TCG), 2026-11-24',
    url: 'boxlab compare --real',
  },
} satisfies Record<string, Source>;

export interface Reference {
  label: string;
  value: number;
  unit: Cell['unit'];
  text: string;
  source: Source;
}

export const REFERENCES = {
  firecrackerBoot: { label: 'Firecracker microVM: API call to guest /sbin/init', value: 125, unit: 'ms', text: '≤ 125 ms', source: SOURCES.firecracker },
  firecrackerMem: { label: 'Firecracker VMM memory overhead (1 vCPU, 128 MiB guest)', value: 5 * 1.048576, unit: 'MB', text: '≤ 5 MiB', source: SOURCES.firecracker },
  crun: { label: 'crun: create-start-delete', value: 47.3, unit: 'ms', text: '≈ 47 ms', source: SOURCES.youki },
  youki: { label: 'youki: create-start-delete', value: 111.5, unit: 'ms', text: '≈ 112 ms', source: SOURCES.youki },
  runc: { label: 'runc: create-start-delete', value: 224.6, unit: 'ms', text: '≈ 225 ms', source: SOURCES.youki },
  cirrosDisk: { label: 'a minimal cloud disk image (CirrOS 0.6.3 qcow2; 112 MiB virtual size)', value: 21.7, unit: 'MB', text: '20.7 MiB file', source: SOURCES.cirros },
  qemuBoot: { label: 'qemu TCG, Debian cloud kernel + busybox initramfs, boot to poweroff', value: 2100, unit: 'ms', text: '≈ 2.1 s', source: SOURCES.boxlab },
  qemuRss: { label: 'qemu TCG peak RSS, 256 MiB guest', value: 218, unit: 'MB', text: '≈ 218 MB', source: SOURCES.boxlab },
  bareStart: { label: 'bare unshare … chroot container', value: 3, unit: 'ms', text: '≈ 3 ms', source: SOURCES.boxlab },
  bareMem: { label: 'bare container, memory', value: 0.57, unit: 'MB', text: '≈ 0.57 MB', source: SOURCES.boxlab },
  firecrackerCpu: { label: 'Firecracker guest compute performance vs bare metal', value: 1 / 0.95, unit: 'x', text: '> 95 % of bare metal (≤ 1.05×)', source: SOURCES.firecracker },
} satisfies Record<string, Reference>;

/** A reference as a cell: clearly not measured here. */
export function cited(r: Reference, failure?: string): Cell {
  return {
    value: r.value,
    unit: r.unit,
    text: `${r.text}: ${r.label} (${NOT_MEASURED})`,
    measured: false,
    method: `${r.label}; cited`,
    samples: 0,
    source: r.source,
    ...(failure ? { failure } : {}),
  };
}

export function citedMore(r: Reference): Cell & { label: string } {
  return { ...cited(r), text: `${r.text} (${NOT_MEASURED})`, label: r.label };
}
