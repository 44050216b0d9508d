// Image references, parsed and normalised exactly as Docker does: the grammar of
// github.com/distribution/reference (regexp.go, reference.go, normalize.go, v0.6) with the
// digest checks of github.com/opencontainers/go-digest, so that `busybox` is
// docker.io/library/busybox:latest and `Foo` is refused with Docker's own words.
//
//   reference   := name [ ":" tag ] [ "@" digest ]
//   name        := [domain "/"] path-component ["/" path-component]*
//   domain      := host [":" port]      host := domain-name | "[" IPv6 "]"
//   path-component := [a-z0-9]+ ( ( [._] | __ | -+ ) [a-z0-9]+ )*
//   tag         := [\w][\w.-]{0,127}
//   digest      := algorithm ":" hex    (sha256: 64 lowercase hex; sha384: 96; sha512: 128)
import { UserError } from '../errors.js';

// ---- the grammar (regexp.go), built the same way from the same pieces ----

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const identifierPat = '[a-f0-9]{64}';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

// JavaScript's backtracking engine and Go's RE2 (leftmost-first, as FindStringSubmatch uses)
// pick the same submatches for these patterns; `\w` is ASCII in both.
const referenceRegexp = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const anchoredNameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const anchoredIdentifierRegexp = new RegExp(`^${identifierPat}$`);
const anchoredDigestRegexp = new RegExp(`^${digestPat}$`);
const anchoredTagRegexp = new RegExp(`^${tagPat}$`);

/** The grammar's pieces, for anyone who needs to match part of a reference. */
export const referencePatterns = { tag: anchoredTagRegexp, digest: anchoredDigestRegexp, identifier: anchoredIdentifierRegexp, name: anchoredNameRegexp };

// ---- constants (normalize.go, reference.go) ----

export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
/** RepositoryNameTotalLengthMax: the limit on the repository path (since reference v0.6 the domain does not count). */
export const NAME_TOTAL_LENGTH_MAX = 255;

/** go-digest's registered algorithms and the length of their hex encoding. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

// ---- errors, with Docker's messages ----

const HINT_FORMAT = 'Image names look like [registry/]path[:tag][@digest], e.g. busybox:1.36 or ghcr.io/user/app:v1.';

function refError(message: string, tryNext = HINT_FORMAT): UserError {
  return new UserError(message, tryNext, 125);
}

export const REFERENCE_ERRORS = {
  invalidFormat: 'invalid reference format',
  nameContainsUppercase: 'repository name must be lowercase',
  nameEmpty: 'repository name must have at least one component',
  nameTooLong: `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`,
  digestInvalidFormat: 'invalid checksum digest format',
  digestInvalidLength: 'invalid checksum digest length',
  digestUnsupported: 'unsupported digest algorithm',
} as const;

// ---- the reference ----

export interface Reference {
  /** the registry's domain, with its port: docker.io, localhost:5000, ghcr.io, [::1]:5000 */
  registry: string;
  /** the full path in the registry: library/nginx, user/app */
  repository: string;
  tag: string | null;
  digest: string | null;
  /** how Docker shows it (FamiliarString): nginx:latest, localhost:5000/app:v1, user/app@sha256:... */
  familiar: string;
  /** the fully qualified form: docker.io/library/nginx:latest, ...@sha256:..., name:tag@digest */
  canonical: string;
}

/** go-digest's digest.Parse: a known algorithm and exactly its length of lowercase hex. */
export function validateDigest(digest: string): void {
  const i = digest.indexOf(':');
  if (i <= 0 || i + 1 === digest.length) throw refError(REFERENCE_ERRORS.digestInvalidFormat);
  const algorithm = digest.slice(0, i);
  const encoded = digest.slice(i + 1);
  const size = DIGEST_HEX_LENGTH[algorithm];
  if (size === undefined) {
    if (!anchoredDigestRegexp.test(digest)) throw refError(REFERENCE_ERRORS.digestInvalidFormat);
    throw refError(REFERENCE_ERRORS.digestUnsupported, 'Docker knows sha256, sha384 and sha512 digests.');
  }
  if (encoded.length !== size) throw refError(REFERENCE_ERRORS.digestInvalidLength, `A ${algorithm} digest has ${size} hex digits.`);
  if (!/^[a-f0-9]+$/.test(encoded)) throw refError(REFERENCE_ERRORS.digestInvalidFormat, 'Digest hex digits are lowercase: 0-9 and a-f.');
}

function build(registry: string, repository: string, tag: string | null, digest: string | null): Reference {
  const name = `${registry}/${repository}`;
  const suffix = (tag !== null ? `:${tag}` : '') + (digest !== null ? `@${digest}` : '');
  const ref = { registry, repository, tag, digest, familiar: '', canonical: name + suffix };
  ref.familiar = familiarName(ref) + suffix;
  return ref;
}

/** reference.Parse: the grammar alone, no normalisation. Returns the domain ('' if none) and path. */
function parse(s: string): { domain: string; path: string; tag: string | null; digest: string | null } {
  if (s === '') throw refError(REFERENCE_ERRORS.nameEmpty);
  const m = referenceRegexp.exec(s);
  if (!m) {
    const lower = s.toLowerCase();
    if (lower !== s && referenceRegexp.test(lower)) throw refError(REFERENCE_ERRORS.nameContainsUppercase, 'Repository names are lowercase; only the registry and the tag may have capitals.');
    throw refError(REFERENCE_ERRORS.invalidFormat);
  }
  const [, name, tag, digest] = m;
  const n = anchoredNameRegexp.exec(name);
  const domain = n?.[1] ?? '';
  const path = n ? n[2] : name;
  if (path.length > NAME_TOTAL_LENGTH_MAX) throw refError(REFERENCE_ERRORS.nameTooLong, 'Use a shorter repository path.');
  if (digest) validateDigest(digest);
  return { domain, path, tag: tag || null, digest: digest || null };
}

/** normalize.go splitDockerDomain: which registry a name is on, and its path there. */
export function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { domain: DEFAULT_DOMAIN, remainder: OFFICIAL_REPO_PREFIX + name };
  const maybeDomain = name.slice(0, slash);
  const maybeRemote = name.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (maybeDomain === 'localhost') [domain, remainder] = [maybeDomain, maybeRemote];
  else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) [domain, remainder] = [DEFAULT_DOMAIN, maybeRemote];
  else if (/[.:]/.test(maybeDomain)) [domain, remainder] = [maybeDomain, maybeRemote];
  else if (maybeDomain.toLowerCase() !== maybeDomain) [domain, remainder] = [maybeDomain, maybeRemote];
  else [domain, remainder] = [DEFAULT_DOMAIN, name];
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/**
 * ParseNormalizedNamed: a name as a user types it, made fully qualified (docker.io/library/...),
 * without adding a default tag. Throws a UserError (exit code 125) with Docker's message.
 */
export function parseNormalizedNamed(text: string): Reference {
  if (anchoredIdentifierRegexp.test(text)) {
    throw refError(`invalid repository name (${text}), cannot specify 64-byte hexadecimal strings`, 'A 64-hex string is an image ID, not a name.');
  }
  const { domain, remainder } = splitDockerDomain(text);
  const colon = remainder.indexOf(':');
  const remote = colon > -1 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote) {
    throw refError(`invalid reference format: repository name (${remote}) must be lowercase`, 'Repository names are lowercase; only the registry and the tag may have capitals.');
  }
  const p = parse(`${domain}/${remainder}`);
  return build(p.domain, p.path, p.tag, p.digest);
}

/** TagNameOnly: a name with neither tag nor digest gets the tag `latest`. */
export function tagNameOnly(ref: Reference): Reference {
  if (ref.tag !== null || ref.digest !== null) return ref;
  return build(ref.registry, ref.repository, DEFAULT_TAG, null);
}

/** A reference as `docker pull` and `docker run` read it: normalised, with `latest` when no tag or digest is given. */
export function parseReference(text: string): Reference {
  return tagNameOnly(parseNormalizedNamed(text));
}

/** FamiliarName: the name without docker.io/ and, for official images, without library/. */
export function familiarName(ref: Pick<Reference, 'registry' | 'repository'>): string {
  if (ref.registry !== DEFAULT_DOMAIN) return `${ref.registry}/${ref.repository}`;
  if (ref.repository.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = ref.repository.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return ref.repository;
}

/**
 * ParseAnyReference's first two cases: an image ID (64 hex, or a valid digest such as
 * sha256:<64 hex>) rather than a name. Returns the ID as a digest, or null for a name.
 */
export function asImageId(text: string): string | null {
  if (anchoredIdentifierRegexp.test(text)) return `sha256:${text}`;
  try {
    validateDigest(text);
    return text;
  } catch {
    return null;
  }
}

// ---- the short form the image catalog uses ----

export interface Ref {
  /** the familiar repository: busybox, user/app, localhost:5000/app ('' for an image ID) */
  repository: string;
  /** the tag; `latest` when none was given, '' when the reference pins only a digest or is an ID */
  tag: string;
  /** the digest the reference pins (for an image ID, the ID), else null */
  digest: string | null;
  /** how Docker shows it: busybox:latest, user/app@sha256:..., or the ID sha256:... */
  familiar: string;
  /** the text was an image ID, not a name (as ParseAnyReference reads it for `docker run`) */
  isId: boolean;
}

/** An image as `docker run` names it: an image ID, or a name normalised as parseReference does. */
export function parseRef(text: string): Ref {
  const id = asImageId(text);
  if (id !== null) return { repository: '', tag: '', digest: id, familiar: id, isId: true };
  const ref = parseReference(text);
  return { repository: familiarName(ref), tag: ref.tag ?? '', digest: ref.digest, familiar: ref.familiar, isId: false };
}
