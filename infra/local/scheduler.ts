/**
 * The local stand-in for EventBridge schedules: runs each job every `everyMs`, one run at a
 * time (a slow run delays the next instead of overlapping it), and reports failures.
 */
export interface ScheduledJob {
  readonly name: string;
  readonly everyMs: number;
  run(): Promise<unknown>;
}

export interface Scheduler {
  /** Run a job now (waits for a run in progress first). */
  runNow(name: string): Promise<void>;
  stop(): Promise<void>;
}

export const startScheduler = (options: { jobs: readonly ScheduledJob[]; onError?: (error: Error) => void }): Scheduler => {
  const report = options.onError ?? ((error: Error) => console.error('[halt scheduler]', error.message));
  let stopped = false;
  const state = new Map<string, { timer?: NodeJS.Timeout; running: Promise<void> }>();

  const runJob = (job: ScheduledJob): Promise<void> => {
    const entry = state.get(job.name);
    const previous = entry?.running ?? Promise.resolve();
    const running = previous.then(async () => {
      if (stopped) return;
      try {
        await job.run();
      } catch (error) {
        report(error instanceof Error ? error : new Error(String(error)));
      }
    });
    state.set(job.name, { ...(entry?.timer ? { timer: entry.timer } : {}), running });
    return running;
  };

  const schedule = (job: ScheduledJob) => {
    const timer = setTimeout(() => {
      void runJob(job).then(() => {
        if (!stopped) schedule(job);
      });
    }, job.everyMs);
    const entry = state.get(job.name);
    state.set(job.name, { running: entry?.running ?? Promise.resolve(), timer });
  };

  for (const job of options.jobs) {
    if (!(job.everyMs > 0)) throw new Error(`scheduler: job ${job.name} needs everyMs > 0`);
    schedule(job);
  }

  return {
    runNow: async (name) => {
      const job = options.jobs.find((j) => j.name === name);
      if (!job) throw new Error(`scheduler: no job named ${name}`);
      await runJob(job);
    },
    stop: async () => {
      stopped = true;
      for (const entry of state.values()) clearTimeout(entry.timer);
      await Promise.all([...state.values()].map((entry) => entry.running));
    },
  };
};
