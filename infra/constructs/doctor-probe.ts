/**
 * The bus probe of `halt doctor`: a rule on the bus sends the events of the doctor's throwaway
 * agents (`halt-doctor-…`) to a function that records them in the state table, so the doctor
 * sees, through the API, that change and budget events reach the bus.
 */
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { leadingKeys } from '../../lambdas/adapters/dynamo/table-schema';
import { DOCTOR_EVENT_PATTERN } from '../../lambdas/doctor/doctor-events';
import { grantItemWrites } from './grants';
import { HaltFunction } from './halt-function';

export interface DoctorProbeProps {
  readonly table: ITableV2;
  readonly eventBus: IEventBus;
  readonly environment: Record<string, string>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

export class DoctorProbe extends Construct {
  public readonly probe: HaltFunction;

  public constructor(scope: Construct, id: string, props: DoctorProbeProps) {
    super(scope, id);
    this.probe = new HaltFunction(this, 'BusProbe', {
      entry: 'doctor/bus-probe.ts',
      environment: props.environment,
      description: "Halt: records the bus events of halt doctor's throwaway agents",
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    grantItemWrites({ fn: this.probe, table: props.table, actions: ['dynamodb:PutItem'], prefixes: leadingKeys('doctor') });
    new Rule(this, 'DoctorEvents', {
      eventBus: props.eventBus,
      description: "Halt: halt doctor's agents' events, to the bus probe",
      eventPattern: DOCTOR_EVENT_PATTERN as unknown as Record<string, unknown>,
      targets: [new LambdaFunction(this.probe, { retryAttempts: 2 })],
    });
  }
}
