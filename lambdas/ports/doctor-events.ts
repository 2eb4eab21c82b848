/** Bus events about `halt doctor`'s throwaway agents: what shows the doctor its events reached the bus. */
export interface DoctorEvent {
  readonly eventId: string;
  readonly detailType: string;
  readonly agentId: string;
  readonly version?: number;
  /** When the event was put on the bus, and when the probe saw it. */
  readonly time: string;
  readonly seenAt: string;
}

export interface DoctorEventStore {
  recordDoctorEvent(event: DoctorEvent): Promise<void>;
  listDoctorEvents(agentId: string): Promise<DoctorEvent[]>;
}
