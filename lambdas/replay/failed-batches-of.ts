import type { Dependencies } from '../config/dependencies';
import { ServiceUnavailableError } from '../domain/errors';

/** The failed-batch bucket (and the consumer), or a 503 that says what is missing. */
export const failedBatchesOf = (deps: Dependencies): NonNullable<Dependencies['failedBatches']> => {
  if (!deps.failedBatches) throw new ServiceUnavailableError('this control plane has no failed-batch bucket (HALT_FAILED_BATCHES_BUCKET); deploy the stack again');
  return deps.failedBatches;
};
