// boxlab ref: how Docker reads an image name, step by step: which registry, which repository
// path, which tag, and the canonical name it all comes to.
import type { Argv, CommandModule } from 'yargs';
import {
  DEFAULT_DOMAIN,
  LEGACY_DEFAULT_DOMAIN,
  OFFICIAL_REPO_PREFIX,
  parseNormalizedNamed,
  tagNameOnly,
  type Reference,
} from '../../engine/images/reference.js';
import { io, type GlobalArgs } from '../context.js';

type Args = GlobalArgs & Record<string, unknown>;

/** What `boxlab ref NAME --json` prints. */
export interface RefExplanation {
  input: string;
  registry: string;
  repository: string;
  tag: string | null;
  digest: string | null;
  familiar: string;
  canonical: string;
}

/** Parse a name as `docker pull` does; throws Docker's one-line error (exit code 125) if invalid. */
export function explainRef(input: string): { ref: Reference; named: Reference; json: RefExplanation } {
  const named = parseNormalizedNamed(input);
  const ref = tagNameOnly(named);
  const { registry, repository, tag, digest, familiar, canonical } = ref;
  return { ref, named, json: { input, registry, repository, tag, digest, familiar, canonical } };
}

function registryNote(input: string, ref: Reference): string {
  const slash = input.indexOf('/');
  const first = slash === -1 ? null : input.slice(0, slash);
  if (first === null || (ref.registry === DEFAULT_DOMAIN && first !== DEFAULT_DOMAIN && first !== LEGACY_DEFAULT_DOMAIN)) {
    return slash === -1 ? 'no registry given: Docker Hub' : `no registry given ("${first}" has no '.' or ':' and is not localhost): Docker Hub`;
  }
  if (first === LEGACY_DEFAULT_DOMAIN) return `${LEGACY_DEFAULT_DOMAIN} is Docker Hub's old name`;
  if (first === DEFAULT_DOMAIN) return 'Docker Hub';
  if (first === 'localhost') return 'localhost is always a registry';
  if (/[.:]/.test(first)) return `"${first}" has a '.' or ':', so it names a registry`;
  return `"${first}" has capitals, which a repository path cannot, so it names a registry`;
}

function repositoryNote(input: string, ref: Reference): string {
  if (ref.registry !== DEFAULT_DOMAIN) return `the path on ${ref.registry}, as given`;
  const path = input.replace(/[:@].*$/, '');
  const last = path.slice(path.lastIndexOf('/') + 1);
  if (ref.repository === `${OFFICIAL_REPO_PREFIX}${last}` && !path.endsWith(`${OFFICIAL_REPO_PREFIX}${last}`)) {
    return `a single name on Docker Hub is an official image under ${OFFICIAL_REPO_PREFIX}`;
  }
  if (ref.repository.startsWith(OFFICIAL_REPO_PREFIX) && !ref.repository.slice(OFFICIAL_REPO_PREFIX.length).includes('/')) {
    return 'an official image on Docker Hub';
  }
  return `a user's or organisation's image on Docker Hub`;
}

/** The plain-text explanation, one line per part of the name. */
export function describeRef(input: string): string {
  const { ref, named } = explainRef(input);
  const rows: [string, string, string | null][] = [
    ['registry', ref.registry, registryNote(input, ref)],
    ['repository', ref.repository, repositoryNote(input, ref)],
  ];
  if (named.tag !== null) rows.push(['tag', named.tag, 'given']);
  else if (named.digest !== null) rows.push(['tag', '(none)', 'a digest pins the image, so no default tag']);
  else rows.push(['tag', ref.tag ?? '', `no tag given: ${ref.tag}`]);
  if (ref.digest !== null) rows.push(['digest', ref.digest, named.tag !== null ? 'pins the content; the tag is only a label' : 'pins the exact content']);
  rows.push(['canonical', ref.canonical, null]);
  // the notes line up after the short values; a digest is too long to set the column
  const width = Math.max(16, ...rows.filter((r) => r[2] !== null && r[0] !== 'digest').map((r) => r[1].length)) + 2;
  const cell = (value: string) => (value.length + 2 > width ? `${value}  ` : value.padEnd(width));
  const lines = rows.map(([label, value, note]) => `  ${label.padEnd(13)}${note === null ? value : `${cell(value)}(${note})`}`);
  return `${input}\n${lines.join('\n')}\n`;
}

export const ref: CommandModule<GlobalArgs, Args> = {
  command: 'ref <name>',
  describe: 'Explain how an image name becomes its canonical reference',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'an image name: [registry/]path[:tag][@digest]' })
      .option('json', { type: 'boolean', describe: 'print one JSON object' })
      .example('$0 ref nginx', 'docker.io/library/nginx:latest')
      .example('$0 ref localhost:5000/app:v1 --json', '') as Argv<Args>,
  handler: (a) => {
    const name = String(a.name);
    if (a.json) return io.out(JSON.stringify(explainRef(name).json, null, 2) + '\n');
    io.out(describeRef(name));
  },
};
