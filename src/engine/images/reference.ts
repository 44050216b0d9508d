// Image references, normalised as Docker does for the common cases: `busybox` is
// docker.io/library/busybox:latest. (The full grammar, with registries and digests, comes with
// the image store.)
import { UserError } from '../errors.js';

export interface Ref {
  repository: string;
  tag: string;
  /** how Docker shows it: busybox:latest */
  familiar: string;
}

export function parseRef(text: string): Ref {
  let name = text.trim();
  if (!name || /[A-Z]/.test(name.split(':')[0]) || /\s/.test(name)) {
    throw new UserError(`invalid reference format: "${text}"`, 'Image names are lowercase: name[:tag], e.g. busybox:latest.', 125);
  }
  name = name.replace(/^docker\.io\//, '').replace(/^library\//, '');
  const at = name.lastIndexOf(':');
  const slash = name.lastIndexOf('/');
  let repository = name;
  let tag = 'latest';
  if (at > slash) {
    repository = name.slice(0, at);
    tag = name.slice(at + 1);
  }
  const path = repository.replace(/^[a-zA-Z0-9.-]+(?::\d+)?\/(?=.*\/|.)/, (m) => (/[.:]|^localhost\//.test(m) ? '' : m));
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(path) || !/^[\w][\w.-]{0,127}$/.test(tag)) {
    throw new UserError(`invalid reference format: "${text}"`, 'Use name[:tag], e.g. busybox:latest.', 125);
  }
  return { repository, tag, familiar: `${repository}:${tag}` };
}
