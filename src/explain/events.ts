// A lab event in words: one short sentence, and the command a person would type to do it by hand.
// Engine steps carry their own sentence (English); kernel events are worded from the catalogue of
// the chosen language (src/explain/i18n), falling back to English.
import type { LabEvent } from '../engine/events.js';
import * as en from './i18n/en.js';
import * as zh from './i18n/zh.js';

export type Lang = 'en' | 'zh';
export const LANGS: Lang[] = ['en', 'zh'];

export function uiWords(lang: string = 'en'): en.UiWords {
  return lang === 'zh' ? zh.ui : en.ui;
}

export interface Explained {
  /** one sentence on what happened */
  text: string;
  /** the command that does it by hand */
  command: string;
  /** an engine step (docker's level) or a kernel action */
  level: 'engine' | 'kernel';
}

export function explainEvent(e: LabEvent, lang: string = 'en'): Explained {
  if (e.kind === 'engine.step') return { text: e.text, command: e.command, level: 'engine' };
  const table = (lang === 'zh' ? zh.events : {}) as Partial<en.EventWords>;
  const word = (table[e.kind] ?? en.events[e.kind]) as (x: typeof e) => string;
  return { text: word(e), command: e.command, level: 'kernel' };
}

/** One line: the sentence, then the command after a `$`. */
export function explainLine(e: LabEvent, lang: string = 'en'): string {
  const x = explainEvent(e, lang);
  return `${x.text}  $ ${x.command}`;
}
