/**
 * A token bucket: `burstLimit` tokens, refilled at `rateLimit` a second; a request takes one
 * or is throttled, as API Gateway's throttles work
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
 */
export const tokenBucket = (rateLimit: number, burstLimit: number): (() => boolean) => {
  let tokens = burstLimit;
  let last = performance.now();
  return () => {
    const now = performance.now();
    tokens = Math.min(burstLimit, tokens + ((now - last) / 1000) * rateLimit);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
};

/** One bucket per key (a REST method, a WebSocket route), made on first use. */
export const bucketsPerKey = (limits: { readonly rateLimit: number; readonly burstLimit: number }): ((key: string) => boolean) => {
  const buckets = new Map<string, () => boolean>();
  return (key) => {
    let take = buckets.get(key);
    if (!take) {
      take = tokenBucket(limits.rateLimit, limits.burstLimit);
      buckets.set(key, take);
    }
    return take();
  };
};
