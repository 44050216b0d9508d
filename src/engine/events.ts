// What the engine did, step by step, beside what the kernel did: `run` looks for the image,
// creates the container, adds its writable layer, allocates an address, starts the process and
// records its exit — each a step a student can follow, with the docker command that does it.
import type { KernelEvent } from '../kernel/events.js';

export type StepName =
  | 'image.lookup' | 'image.pull' | 'image.push' | 'container.create' | 'layer.add' | 'ip.allocate' | 'process.start'
  | 'process.exit' | 'container.stop' | 'container.remove' | 'ip.release' | 'layer.remove' | 'volume.create'
  | 'volume.remove' | 'cgroup.limits' | 'network.attach' | 'network.detach';

export interface StepEvent {
  kind: 'engine.step';
  step: StepName;
  /** one sentence on what happened */
  text: string;
  /** the docker command a person would type for this step */
  command: string;
  at: number;
}

export type LabEvent = KernelEvent | StepEvent;
