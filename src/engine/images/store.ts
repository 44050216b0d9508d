// The image store: an OCI image layout on disk (image-spec image-layout.md) — `oci-layout`,
// `index.json`, and every manifest, config and layer as a blob named by its sha256. Blobs are
// written atomically and verified on every read: a blob whose content does not match its name
// is reported, never used.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { UserError } from '../errors.js';

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const IMAGE_NAME = 'io.containerd.image.name';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface OciIndex {
  schemaVersion: 2;
  mediaType: typeof MEDIA.index;
  manifests: Descriptor[];
}

export interface Manifest {
  schemaVersion: 2;
  mediaType: typeof MEDIA.manifest;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created: string;
  created_by: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created: string;
  architecture: string;
  os: string;
  author?: string;
  config: {
    Env?: string[];
    Cmd?: string[];
    Entrypoint?: string[] | null;
    WorkingDir?: string;
    User?: string;
    Labels?: Record<string, string>;
    ExposedPorts?: Record<string, object>;
    Volumes?: Record<string, object>;
    StopSignal?: string;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history: HistoryEntry[];
}

export function digestOf(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export class ImageStore {
  constructor(readonly root: string) {}

  private blobPath(digest: string): string {
    const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
    if (!m) throw new UserError(`invalid digest ${digest}`, 'Digests look like sha256:<64 hex digits>.');
    return join(this.root, 'blobs', 'sha256', m[1]);
  }

  init(): void {
    if (existsSync(join(this.root, 'oci-layout'))) return;
    mkdirSync(join(this.root, 'blobs', 'sha256'), { recursive: true });
    writeFileAtomic.sync(join(this.root, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    if (!existsSync(join(this.root, 'index.json'))) this.writeIndex({ schemaVersion: 2, mediaType: MEDIA.index, manifests: [] });
  }

  putBlob(data: Buffer): { digest: string; size: number } {
    this.init();
    const digest = digestOf(data);
    const path = this.blobPath(digest);
    if (!existsSync(path) || statSync(path).size !== data.length) writeFileAtomic.sync(path, data);
    return { digest, size: data.length };
  }

  hasBlob(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }

  /** Read a blob and check it is what its name says. */
  getBlob(digest: string): Buffer {
    const path = this.blobPath(digest);
    if (!existsSync(path)) throw new UserError(`blob ${digest} is missing from the image store ${this.root}.`, "Pull or build the image again ('boxlab rmi' it first).");
    const data = readFileSync(path);
    const actual = digestOf(data);
    if (actual !== digest) {
      throw new UserError(`blob ${digest} in ${this.root} is corrupt: its content hashes to ${actual}.`, "Remove the image ('boxlab rmi -f') and pull or build it again.");
    }
    return data;
  }

  putJson(obj: unknown): { digest: string; size: number; data: Buffer } {
    const data = Buffer.from(JSON.stringify(obj));
    return { ...this.putBlob(data), data };
  }

  getJson<T>(digest: string): T {
    return JSON.parse(this.getBlob(digest).toString('utf8')) as T;
  }

  removeBlob(digest: string): void {
    rmSync(this.blobPath(digest), { force: true });
  }

  blobs(): string[] {
    const dir = join(this.root, 'blobs', 'sha256');
    return existsSync(dir) ? readdirSync(dir).map((h) => `sha256:${h}`) : [];
  }

  readIndex(): OciIndex {
    this.init();
    try {
      return JSON.parse(readFileSync(join(this.root, 'index.json'), 'utf8')) as OciIndex;
    } catch (e) {
      throw new UserError(`The image index ${join(this.root, 'index.json')} is damaged (${(e as Error).message}).`, "Remove the image store directory and pull or build again ('boxlab reset' in sim mode).");
    }
  }

  writeIndex(index: OciIndex): void {
    mkdirSync(this.root, { recursive: true });
    writeFileAtomic.sync(join(this.root, 'index.json'), JSON.stringify(index, null, 2));
  }

  /** Record (or move) a name to point at a manifest; an image with no name stays listed, untagged. */
  setManifest(manifest: Descriptor, names: string[]): void {
    const index = this.readIndex();
    index.manifests = index.manifests.filter((m) => m.digest !== manifest.digest && !names.includes(m.annotations?.[IMAGE_NAME] ?? ''));
    const plain = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size };
    if (!names.length) index.manifests.push(plain);
    for (const name of names) {
      const tag = name.includes('@') ? '' : name.slice(name.lastIndexOf(':') + 1);
      index.manifests.push({ ...plain, annotations: { [IMAGE_NAME]: name, ...(tag ? { [REF_NAME]: tag } : {}) } });
    }
    this.writeIndex(index);
  }

  removeManifest(digest: string): void {
    const index = this.readIndex();
    index.manifests = index.manifests.filter((m) => m.digest !== digest);
    this.writeIndex(index);
  }
}
