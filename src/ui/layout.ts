// Where each panel goes at a terminal size. The frame is one row shorter than the terminal:
// ink clears the whole screen on every frame that fills it, which is what makes UIs flicker.
export interface LessonLayout {
  wide: boolean;
  width: number;
  height: number;
  /** left column (wide) or full width (narrow) */
  textWidth: number;
  textHeight: number;
  /** the step / what-changed / diagrams column */
  sideWidth: number;
  outputHeight: number;
  changedHeight: number;
  diagramHeight: number;
}

export const WIDE_COLUMNS = 120;

/** Panel sizes for a lesson screen; `footerRows` from footerLayout, diagrams only when there is data. */
export function lessonLayout(columns: number, rows: number, opts: { footerRows: number; diagrams: boolean }): LessonLayout {
  const width = Math.max(40, columns);
  const height = Math.max(12, rows - 1);
  // header, notice, progress, footer; two section titles (output, what changed)
  const fixed = 3 + opts.footerRows;
  const titles = 2;
  const wide = columns >= WIDE_COLUMNS;
  if (wide) {
    const textWidth = Math.floor((width - 1) * 0.45);
    const sideWidth = width - 1 - textWidth;
    const avail = height - fixed - titles;
    const diagramHeight = opts.diagrams ? Math.min(12, Math.floor(avail * 0.45)) : 0;
    const rest = avail - diagramHeight;
    const outputHeight = Math.ceil(rest / 2);
    return { wide, width, height, textWidth, textHeight: height - fixed, sideWidth, outputHeight, changedHeight: rest - outputHeight, diagramHeight };
  }
  const avail = height - fixed - titles;
  const diagramHeight = opts.diagrams ? Math.min(9, Math.floor(avail * 0.35)) : 0;
  const rest = avail - diagramHeight;
  const textHeight = Math.ceil(rest * 0.45);
  const outputHeight = Math.ceil((rest - textHeight) / 2);
  return { wide, width, height, textWidth: width, textHeight, sideWidth: width, outputHeight, changedHeight: rest - textHeight - outputHeight, diagramHeight };
}
