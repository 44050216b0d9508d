// What every panel needs to know about the session: the language's strings and whether colour is
// allowed (NO_COLOR, https://no-color.org). Panels ask for colour through `tint`, so with
// NO_COLOR set they draw with text markers alone.
import { createContext, useContext } from 'react';
import { strings, type Catalogue, type Lang } from './i18n.js';

export interface UiSettings {
  lang: Lang;
  t: Catalogue;
  color: boolean;
}

/** Colour is on unless NO_COLOR is set to anything non-empty. */
export function colorAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.NO_COLOR;
}

export function settings(lang: Lang = 'en', color = colorAllowed()): UiSettings {
  return { lang, t: strings(lang), color };
}

export const UiContext = createContext<UiSettings>(settings('en'));

export function useUi(): UiSettings {
  return useContext(UiContext);
}

/** A colour name when colour is allowed, else undefined (ink then draws plain text). */
export function tint(ui: UiSettings, color: string): string | undefined {
  return ui.color ? color : undefined;
}
