// Container ids (64 hex digits, shown as 12) and Docker-style random names.
import { createHash, randomBytes } from 'node:crypto';

export function newId(): string {
  return randomBytes(32).toString('hex');
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export function sha256(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}

const ADJECTIVES = [
  'admiring', 'brave', 'busy', 'clever', 'dazzling', 'eager', 'elegant', 'festive', 'focused', 'gallant',
  'happy', 'hopeful', 'jolly', 'keen', 'kind', 'lucid', 'modest', 'nifty', 'quirky', 'serene', 'sharp',
  'stoic', 'tender', 'upbeat', 'vibrant', 'wizardly', 'youthful', 'zealous',
];
const NAMES = [
  'babbage', 'curie', 'dijkstra', 'euler', 'franklin', 'goldberg', 'hopper', 'hypatia', 'johnson', 'kare',
  'lamport', 'liskov', 'lovelace', 'mccarthy', 'noether', 'pike', 'ritchie', 'shannon', 'thompson',
  'torvalds', 'turing', 'wozniak', 'yalow',
];

export function randomName(taken: (name: string) => boolean): string {
  for (let i = 0; ; i++) {
    const a = ADJECTIVES[randomBytes(1)[0] % ADJECTIVES.length];
    const b = NAMES[randomBytes(1)[0] % NAMES.length];
    const name = i < 20 ? `${a}_${b}` : `${a}_${b}${i}`;
    if (!taken(name)) return name;
  }
}

/** A container name: Docker's characters, [a-zA-Z0-9][a-zA-Z0-9_.-]*, one character or more */
export function validName(name: string): boolean {
  return /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name);
}

/**
 * Docker's own pattern, ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$, wants two characters at least (a known
 * quirk, docker/cli#1641); boxlab takes a one-character name, and says that Docker would not.
 */
export function dockerRefusesName(name: string): boolean {
  return validName(name) && name.length < 2;
}
