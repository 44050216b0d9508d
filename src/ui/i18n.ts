// The UI's own words, one catalogue per language. Every string a screen shows comes from here,
// so a translation is one object to fill, not a hunt through components.
export type Lang = 'en' | 'zh';

export interface Catalogue {
  appName: string;
  modeSim: string;
  modeReal: string;
  home: { title: string; loading: string; noLessons: string; steps: string; open: string; minutes: string; loadFailed: string };
  keys: { run: string; nextPrev: string; hint: string; reset: string; compare: string; help: string; quit: string; back: string; choose: string; scroll: string };
  lesson: {
    intro: string;
    step: string;
    notice: string;
    hint: string;
    solution: string;
    quizPrompt: string;
    correct: string;
    wrong: string;
    taskPrompt: string;
    typeHere: string;
    interactiveRefused: (cmd: string) => string;
    more: (n: number) => string;
  };
  output: { title: string; idle: string; running: string; exit: (code: number) => string; earlier: (n: number) => string };
  changed: { title: string; none: string; earlier: (n: number) => string };
  checks: { passed: string; failed: string };
  progress: (step: number, total: number, done: number) => string;
  status: {
    resetting: string;
    resetDone: string;
    compareUnavailable: string;
    runFailed: (msg: string) => string;
    busy: string;
    lastStep: string;
    firstStep: string;
  };
  diagrams: {
    namespaces: string;
    type: string;
    host: string;
    container: string;
    differs: string;
    same: string;
    cgroup: string;
    memory: string;
    pids: string;
    noLimit: string;
    oomKills: (n: number) => string;
    layers: string;
    merged: string;
    upper: string;
    whiteout: string;
    from: string;
    hiddenRows: (n: number) => string;
  };
  help: { title: string; lines: [string, string][]; close: string };
}

const en: Catalogue = {
  appName: 'boxlab',
  modeSim: 'SIM',
  modeReal: 'REAL',
  home: {
    title: 'Lessons',
    loading: 'Loading lessons…',
    noLessons: 'No lessons found.',
    steps: 'steps',
    open: 'Enter open',
    minutes: 'min',
    loadFailed: 'Could not load lessons',
  },
  keys: {
    run: 'Enter/Space run',
    nextPrev: 'n/p next/prev',
    hint: 'h hint',
    reset: 'r reset',
    compare: 'c compare',
    help: '? help',
    quit: 'q quit',
    back: 'Esc back',
    choose: '↑/↓ choose',
    scroll: 'PgUp/PgDn scroll',
  },
  lesson: {
    intro: 'Introduction',
    step: 'Step',
    notice: 'Notice',
    hint: 'Hint',
    solution: 'Solution',
    quizPrompt: 'Choose with 1-9 or ↑/↓, answer with Enter.',
    correct: 'Correct.',
    wrong: 'Not quite.',
    taskPrompt: 'Your turn: press Enter, type a command, Enter to run it (Esc cancels).',
    typeHere: 'command',
    interactiveRefused: (cmd) => `${cmd} is a full-screen program; it is not available inside the lesson screen. Use a non-interactive command (cat, ls, echo).`,
    more: (n) => `… ${n} more lines (PgDn)`,
  },
  output: {
    title: 'Step output',
    idle: 'Press Enter to run this step.',
    running: 'running…',
    exit: (code) => `exit ${code}`,
    earlier: (n) => `… ${n} earlier lines`,
  },
  changed: { title: 'What changed', none: 'Nothing yet: run the step to see what it does to the kernel.', earlier: (n) => `… ${n} earlier events` },
  checks: { passed: 'passed', failed: 'failed' },
  progress: (step, total, done) => `step ${step}/${total} · ${done} done`,
  status: {
    resetting: 'Resetting the lab…',
    resetDone: 'Lab reset: everything this lesson made is gone.',
    compareUnavailable: 'The container-vs-VM view is not available yet.',
    runFailed: (msg) => `The step could not run: ${msg}`,
    busy: 'Still running; wait for the step to finish.',
    lastStep: 'This is the last step.',
    firstStep: 'This is the first step.',
  },
  diagrams: {
    namespaces: 'Namespaces',
    type: 'type',
    host: 'host',
    container: 'container',
    differs: 'differs',
    same: 'same',
    cgroup: 'cgroup',
    memory: 'memory',
    pids: 'pids',
    noLimit: 'no limit',
    oomKills: (n) => `OOM kills: ${n}`,
    layers: 'Layers',
    merged: 'merged view',
    upper: 'writable layer',
    whiteout: 'whiteout',
    from: 'from',
    hiddenRows: (n) => `… ${n} more`,
  },
  help: {
    title: 'Keys',
    lines: [
      ['Enter / Space', 'run the step (answer a quiz, type a command for "your turn")'],
      ['n / p', 'next / previous step'],
      ['h', 'show the hint; press again for the solution'],
      ['r', 'reset the lab: remove everything this lesson made'],
      ['c', 'container-vs-VM view'],
      ['PgUp / PgDn', 'scroll the lesson text'],
      ['1-9, ↑ / ↓', 'choose a quiz answer'],
      ['Esc', 'back to the lesson list'],
      ['?', 'this help'],
      ['q', 'quit'],
    ],
    close: 'Press ? or Esc to close.',
  },
};

const zh: Catalogue = {
  appName: 'boxlab',
  modeSim: '模拟',
  modeReal: '真实',
  home: {
    title: '课程',
    loading: '正在加载课程…',
    noLessons: '没有找到课程。',
    steps: '步',
    open: 'Enter 打开',
    minutes: '分钟',
    loadFailed: '无法加载课程',
  },
  keys: {
    run: 'Enter/空格 运行',
    nextPrev: 'n/p 下一步/上一步',
    hint: 'h 提示',
    reset: 'r 重置',
    compare: 'c 对比',
    help: '? 帮助',
    quit: 'q 退出',
    back: 'Esc 返回',
    choose: '↑/↓ 选择',
    scroll: 'PgUp/PgDn 滚动',
  },
  lesson: {
    intro: '简介',
    step: '步骤',
    notice: '注意',
    hint: '提示',
    solution: '答案',
    quizPrompt: '用 1-9 或 ↑/↓ 选择，按 Enter 作答。',
    correct: '正确。',
    wrong: '不太对。',
    taskPrompt: '轮到你了：按 Enter，输入命令，再按 Enter 运行（Esc 取消）。',
    typeHere: '命令',
    interactiveRefused: (cmd) => `${cmd} 是全屏程序，课程界面中不可用。请使用非交互命令（cat、ls、echo）。`,
    more: (n) => `… 还有 ${n} 行（PgDn）`,
  },
  output: {
    title: '步骤输出',
    idle: '按 Enter 运行这一步。',
    running: '运行中…',
    exit: (code) => `退出码 ${code}`,
    earlier: (n) => `… 之前 ${n} 行`,
  },
  changed: { title: '发生了什么', none: '还没有：运行这一步，看看它对内核做了什么。', earlier: (n) => `… 之前 ${n} 个事件` },
  checks: { passed: '通过', failed: '未通过' },
  progress: (step, total, done) => `第 ${step}/${total} 步 · 已完成 ${done}`,
  status: {
    resetting: '正在重置实验环境…',
    resetDone: '已重置：本课创建的一切都已删除。',
    compareUnavailable: '容器与虚拟机对比视图尚不可用。',
    runFailed: (msg) => `这一步无法运行：${msg}`,
    busy: '仍在运行，请等待这一步完成。',
    lastStep: '这是最后一步。',
    firstStep: '这是第一步。',
  },
  diagrams: {
    namespaces: '命名空间',
    type: '类型',
    host: '宿主机',
    container: '容器',
    differs: '不同',
    same: '相同',
    cgroup: 'cgroup',
    memory: '内存',
    pids: '进程数',
    noLimit: '无限制',
    oomKills: (n) => `OOM 终止：${n}`,
    layers: '镜像层',
    merged: '合并视图',
    upper: '可写层',
    whiteout: '删除标记',
    from: '来自',
    hiddenRows: (n) => `… 还有 ${n} 项`,
  },
  help: {
    title: '按键',
    lines: [
      ['Enter / 空格', '运行这一步（回答测验，或为"轮到你了"输入命令）'],
      ['n / p', '下一步 / 上一步'],
      ['h', '显示提示；再按一次显示答案'],
      ['r', '重置实验环境：删除本课创建的一切'],
      ['c', '容器与虚拟机对比视图'],
      ['PgUp / PgDn', '滚动课程文本'],
      ['1-9, ↑ / ↓', '选择测验答案'],
      ['Esc', '返回课程列表'],
      ['?', '本帮助'],
      ['q', '退出'],
    ],
    close: '按 ? 或 Esc 关闭。',
  },
};

const catalogues: Record<Lang, Catalogue> = { en, zh };

/** The catalogue for a language. */
export function strings(lang: Lang): Catalogue {
  return catalogues[lang];
}
