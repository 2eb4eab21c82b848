/**
 * Progress bars for the demo: one line per instance. On a terminal they are redrawn in place
 * (other lines print above them); elsewhere (CI logs, pipes) they print as plain lines at each
 * tick, so the log still tells the story.
 */
export interface BarState {
  label: string;
  done: number;
  total: number;
  state: string;
}

/** One bar: `i-1 (local-1) [██████░░░░] 5,600 / 16,667  sending`. */
export const renderBar = (bar: BarState, width = 30): string => {
  const ratio = bar.total > 0 ? Math.min(1, Math.max(0, bar.done / bar.total)) : 1;
  const filled = Math.round(ratio * width);
  const count = `${bar.done.toLocaleString('en-US')} / ${bar.total.toLocaleString('en-US')}`;
  return `  ${bar.label.padEnd(14)} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${count.padStart(15)}  ${bar.state}`;
};

export class ProgressBars {
  private drawn = 0;
  private lastPlainAt = Number.NEGATIVE_INFINITY;

  /** Off a terminal, bars print at most every `plainEveryMs` (a log, not an animation). */
  public constructor(
    private readonly out: { write(text: string): unknown; isTTY?: boolean },
    private readonly bars: () => readonly BarState[],
    private readonly plainEveryMs = 5_000,
  ) {}

  /** Print a line above the bars (on a terminal the bars are redrawn below it at the next tick). */
  public log(line: string): void {
    this.clear();
    this.out.write(`${line}\n`);
  }

  /** Draw the bars: in place on a terminal, as new lines elsewhere. */
  public tick(now = Date.now()): void {
    if (!this.out.isTTY) {
      if (now - this.lastPlainAt < this.plainEveryMs) return;
      this.lastPlainAt = now;
    }
    this.clear();
    const lines = this.bars().map((b) => renderBar(b));
    this.out.write(`${lines.join('\n')}\n`);
    this.drawn = this.out.isTTY ? lines.length : 0;
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }
}
