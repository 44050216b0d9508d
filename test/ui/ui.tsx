// Wrap a panel in the UI settings (language, colour) the way the app does.
import type { ReactNode } from 'react';
import type { Lang } from '../../src/ui/i18n.js';
import { settings, UiContext } from '../../src/ui/theme.js';

export function WithUi({ children, lang = 'en', color = false }: { children: ReactNode; lang?: Lang; color?: boolean }) {
  return <UiContext.Provider value={settings(lang, color)}>{children}</UiContext.Provider>;
}
