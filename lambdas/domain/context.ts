/** What every domain function receives: storage, a clock and the region it runs in. */
import type { Role } from '../../sdk/protocol/schemas';
import type { Notifier, PeerPushes } from '../ports/notifier';
import type { EventPublisher } from '../ports/event-publisher';
import type { AgentRepository } from '../ports/repository';
import type { ReminderQueue } from '../ports/reminders';

export interface DomainContext {
  readonly repository: AgentRepository;
  readonly now: () => Date;
  /** The region of the control plane serving the call (e.g. `eu-west-1`, `local-1`). */
  readonly region: string;
  /** The event bus, for events the domain raises itself (a breached budget). */
  readonly publisher?: EventPublisher;
  /** Pushes to this region's WebSocket connections; absent where the region has no WebSocket API. */
  readonly notifier?: Notifier;
  /**
   * The Lambda functions a `hardStop` policy may name: the stack's `hardStopFunctionArns`,
   * the only ones the stream consumer may brake. Absent or empty: none.
   */
  readonly hardStopAllowList?: readonly string[];
  /** Functions the stack's `protect` put under an agent: braked on its kill whatever its policy says. */
  readonly protectedFunctions?: Readonly<Record<string, readonly string[]>>;
  /** Pushes to other regions' connections (absent: one region, or no WebSocket API). */
  readonly peers?: PeerPushes;
  /** Where reminders of a stop wait (absent: no reminders, as in unit tests). */
  readonly reminders?: ReminderQueue;
  /** Seconds between reminders of a stop (`HALT_REMIND_EVERY_SECONDS`). @default 15 */
  readonly remindEverySeconds?: number;
  /** The deployment's regions (absent: this region alone, which is its own write region). */
  readonly regions?: RegionalAccess;
}

/** Every agent-item write goes to one region; every region's replica can be read to confirm a change. */
export interface RegionalAccess {
  readonly writeRegion: string;
  /** The write region's replica (this region's own repository when this is the write region). */
  readonly writer: AgentRepository;
  /** Every region's replica, this one's included: a change is confirmed by reading each. */
  readonly replicas: readonly { readonly region: string; readonly repository: AgentRepository }[];
}

/** The caller, as its API key says. `name` is what the audit trail records as actor. */
export interface Caller {
  readonly keyId: string;
  readonly name: string;
  readonly role: Role;
  /** For `agent` keys: the one agent the key may act for. */
  readonly agentId?: string;
}

/** UTC day (`2026-11-24`) and hour (`2026-11-24T09`) windows used for usage and budgets. */
export const usageWindows = (at: Date): { day: string; hour: string } => {
  const iso = at.toISOString();
  return { day: iso.slice(0, 10), hour: iso.slice(0, 13) };
};
