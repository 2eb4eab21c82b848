import { ProgressBars, renderBar } from '../../bench/progress-bars';

describe('demo progress bars', () => {
  it('draws a bar in proportion, with the counts and the state', () => {
    expect(renderBar({ label: 'i-1 (local-1)', done: 5_000, total: 10_000, state: 'sending' }, 10)).toBe(
      '  i-1 (local-1)  [█████░░░░░]  5,000 / 10,000  sending',
    );
    expect(renderBar({ label: 'i-2', done: 0, total: 0, state: 'done' }, 4)).toContain('[████]');
  });

  it('redraws in place on a terminal, and prints plain lines at most every few seconds elsewhere', () => {
    const bars = [{ label: 'i-1', done: 1, total: 2, state: 'sending' }];
    const tty = { text: '', isTTY: true, write(t: string) { this.text += t; } };
    const screen = new ProgressBars(tty, () => bars);
    screen.tick();
    screen.log('kill');
    screen.tick();
    // the second draw first moves up over the first (one line) and clears it
    expect(tty.text.split('\x1b[1A\x1b[J')).toHaveLength(2);
    expect(tty.text).toContain('kill\n');

    const pipe = { text: '', write(t: string) { this.text += t; } };
    const plain = new ProgressBars(pipe, () => bars, 5_000);
    plain.tick(0);
    plain.tick(1_000);
    plain.tick(6_000);
    expect(pipe.text.match(/i-1/g)).toHaveLength(2);
    expect(pipe.text).not.toContain('\x1b[');
  });
});
