// The whole UI: load the lesson runners, show Home, open a Lesson, overlay Help; quit on q.
import { useApp } from 'ink';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { LessonRunner } from '../lesson/types.js';
import type { Lang } from './i18n.js';
import { runCompare } from '../compare/compare.js';
import { CompareScreen, type CompareRunner } from './screens/Compare.js';
import { Help } from './screens/Help.js';
import { Home } from './screens/Home.js';
import { LessonScreen } from './screens/Lesson.js';
import { settings, UiContext } from './theme.js';
import type { LessonProgress } from './use-lesson-runner.js';
import { useTerminalSize, type Size } from './use-terminal-size.js';

export interface AppProps {
  runners: () => Promise<LessonRunner[]> | LessonRunner[];
  mode: 'sim' | 'real';
  doctorLine: string | Promise<string>;
  lang: Lang;
  /** saved progress per lesson id, to resume */
  progress?: Record<string, LessonProgress>;
  onProgress?: (lessonId: string, progress: LessonProgress) => void;
  /** open this lesson at once instead of the home screen */
  lessonId?: string;
  color?: boolean;
  /** a fixed size (tests); otherwise the terminal's, kept current on resize */
  size?: Size;
  /** the container-vs-VM measurement (tests pass a fake); default: runCompare */
  compare?: CompareRunner;
}

type Screen = { name: 'home' } | { name: 'lesson'; index: number } | { name: 'compare'; back: { name: 'home' } | { name: 'lesson'; index: number } };

export function App({ runners, mode, doctorLine: doctor, lang, progress: saved, onProgress, lessonId, color, size: fixed, compare }: AppProps) {
  const { exit } = useApp();
  const size = useTerminalSize(fixed);
  // the doctor's line may arrive after the first frame (its checks run programs)
  const [doctorLine, setDoctorLine] = useState(typeof doctor === 'string' ? doctor : '');
  useEffect(() => {
    let live = true;
    if (typeof doctor !== 'string') void doctor.then((l) => live && setDoctorLine(l), () => undefined);
    else setDoctorLine(doctor);
    return () => void (live = false);
  }, [doctor]);
  const ui = useMemo(() => settings(lang, color), [lang, color]);
  const [list, setList] = useState<LessonRunner[] | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [screen, setScreen] = useState<Screen>({ name: 'home' });
  const [help, setHelp] = useState(false);
  const [selected, setSelected] = useState(0);
  const [progress, setProgress] = useState<Record<string, LessonProgress | undefined>>(saved ?? {});

  useEffect(() => {
    let live = true;
    Promise.resolve()
      .then(runners)
      .then((rs) => {
        if (!live) return;
        setList(rs);
        const at = lessonId ? rs.findIndex((r) => r.lesson.id === lessonId) : -1;
        if (at >= 0) {
          setSelected(at);
          setScreen({ name: 'lesson', index: at });
        }
      })
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
    // load once
  }, []);

  const record = useCallback(
    (id: string, p: LessonProgress) => {
      setProgress((all) => ({ ...all, [id]: p }));
      onProgress?.(id, p);
    },
    [onProgress],
  );
  const quit = useCallback(() => exit(), [exit]);
  const compareRun = useMemo<CompareRunner>(() => compare ?? ((o) => runCompare(o)), [compare]);

  let body;
  if (help) {
    body = <Help size={size} onClose={() => setHelp(false)} onQuit={quit} />;
  } else if (screen.name === 'compare') {
    const back = screen.back;
    body = <CompareScreen mode={mode} size={size} run={compareRun} onBack={() => setScreen(back)} onQuit={quit} />;
  } else if (screen.name === 'lesson' && list?.[screen.index]) {
    const runner = list[screen.index];
    const p = progress[runner.lesson.id];
    body = (
      <LessonScreen
        key={runner.lesson.id}
        runner={runner}
        mode={mode}
        size={size}
        saved={p}
        onProgress={record}
        onBack={() => setScreen({ name: 'home' })}
        onCompare={() => setScreen({ name: 'compare', back: { name: 'lesson', index: screen.index } })}
        onQuit={quit}
        onHelp={() => setHelp(true)}
      />
    );
  } else {
    body = (
      <Home
        lessons={list ? list.map((r) => r.lesson) : null}
        error={error}
        progress={progress}
        mode={mode}
        doctorLine={doctorLine}
        selected={selected}
        size={size}
        onSelect={setSelected}
        onOpen={(index) => setScreen({ name: 'lesson', index })}
        onCompare={() => setScreen({ name: 'compare', back: { name: 'home' } })}
        onHelp={() => setHelp(true)}
        onQuit={quit}
      />
    );
  }
  return <UiContext.Provider value={ui}>{body}</UiContext.Provider>;
}
