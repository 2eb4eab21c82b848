/** The hard stop's ports: Lambda's reserved concurrency, and where the previous setting is kept. */

/** What the hard stop needs from Lambda (`@aws-sdk/client-lambda` in AWS, a stand-in locally). */
export interface FunctionThrottle {
  /** The reserved concurrency, or null when none is set. */
  getReservedConcurrency(functionArn: string): Promise<number | null>;
  setReservedConcurrency(functionArn: string, value: number): Promise<void>;
  clearReservedConcurrency(functionArn: string): Promise<void>;
}

export interface HardStopStore {
  /** The saved setting of a braked function: undefined when it is not braked. */
  getSavedConcurrency(agentId: string, functionArn: string): Promise<{ previous: number | null } | undefined>;
  saveConcurrency(agentId: string, functionArn: string, previous: number | null): Promise<void>;
  forgetConcurrency(agentId: string, functionArn: string): Promise<void>;
  /** Every braked function of the agent. */
  listSavedConcurrency(agentId: string): Promise<{ functionArn: string; previous: number | null }[]>;
}
