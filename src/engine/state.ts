// The engine's records: what Docker keeps in /var/lib/docker (containers, images, volumes, the
// IP pool), as plain JSON in the lab's state file.

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface MountRec {
  type: 'volume' | 'bind';
  /** volume name, for volumes */
  name?: string;
  /** host path (kernel view) */
  source: string;
  destination: string;
  rw: boolean;
  /** an anonymous volume (-v /path), removed by rm -v */
  anonymous?: boolean;
}

/** `-p [127.0.0.1:]HOST:CONTAINER`: a port published on the host side (loopback only in the lab) */
export interface PortBinding {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  proto: 'tcp';
}

export interface ContainerRec {
  id: string;
  name: string;
  /** the image reference as the user wrote it */
  image: string;
  imageId: string;
  created: number;
  path: string;
  args: string[];
  config: {
    env: string[];
    /** Docker's Config.User: name|uid[:group|gid], resolved when the process starts; absent for root */
    user?: string;
    workdir: string;
    hostname: string;
    tty: boolean;
    openStdin: boolean;
    stopSignal: string;
    stopTimeout: number;
  };
  hostConfig: {
    memory: number | null;
    pidsLimit: number | null;
    nanoCpus: number | null;
    autoRemove: boolean;
    binds: string[];
    /** published ports (absent in records made before -p existed) */
    portBindings?: PortBinding[];
    /** `--network none`: a network namespace with only lo (absent: the lab bridge) */
    networkMode?: 'none';
  };
  mounts: MountRec[];
  state: {
    status: ContainerStatus;
    pid: number;
    exitCode: number;
    oomKilled: boolean;
    error: string;
    startedAt: number | null;
    finishedAt: number | null;
  };
  restartCount: number;
  /** the pid of a `boxlab run` following this container's output; --rm waits for it */
  attachedBy?: number;
  network: { ip: string | null; gateway: string; prefix: number; mac: string | null; netns: string; veth: string };
  /** kernel paths */
  layer: { upper: string; work: string; merged: string; lower: string[] };
  /** a real path: the json-file log */
  logPath: string;
  cgroup: string;
}

export interface ImageRec {
  /** the config blob's digest, as Docker's image id */
  id: string;
  manifestDigest: string;
  repoTags: string[];
  created: number;
  /** bottom first: the layer blob, its diff id, and the kernel dir it is unpacked in */
  layers: { diffId: string; digest: string; dir: string; size: number }[];
  config: { cmd: string[]; entrypoint: string[] | null; env: string[]; workdir: string; stopSignal?: string; user?: string; volumes?: string[] };
  size: number;
  comment: string;
  /** the image a build step stood on (classic builder's Parent): an image that is some other's parent is an intermediate image, not dangling */
  parent?: string;
}

export interface VolumeRec {
  name: string;
  created: number;
  mountpoint: string;
  anonymous: boolean;
  labels: Record<string, string>;
}

export interface EngineState {
  containers: Record<string, ContainerRec>;
  images: Record<string, ImageRec>;
  volumes: Record<string, VolumeRec>;
  ipam: { subnet: string; gateway: string; allocated: Record<string, string> };
  /** the build cache: a step's key (parent image + instruction + content checksum) → the image it made */
  buildCache?: Record<string, string>;
}

export const LAB_BRIDGE = 'boxlab0';
export const LAB_SUBNET = '172.29.0.0/16';
export const LAB_GATEWAY = '172.29.0.1';

export function emptyEngineState(): EngineState {
  return {
    containers: {},
    images: {},
    volumes: {},
    ipam: { subnet: LAB_SUBNET, gateway: LAB_GATEWAY, allocated: {} },
  };
}
