// The clock an event's send time is read from, shared with the load client (load-client.c).
// Both read CLOCK_MONOTONIC (Node's hrtime is libuv's uv_hrtime, which reads it): one clock,
// to the microsecond. Until round 8 the send time was Date.now()'s milliseconds plus the
// fraction of performance.now(), whose origin is not on a millisecond boundary, so every send
// time was off by one of two values a millisecond apart.

/** Microseconds on CLOCK_MONOTONIC, as the load client reads it. */
export const sendTimeUs = () => process.hrtime.bigint() / 1000n
