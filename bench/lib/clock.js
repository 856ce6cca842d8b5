// The clock an event's send time is read from. The load client (load-client.c) reads
// CLOCK_MONOTONIC, and so does Node's hrtime (libuv's uv_hrtime): one clock, to the
// microsecond. Date.now() has milliseconds only, and performance.now() does not count from a
// millisecond boundary, so the one plus the fraction of the other is off by up to a millisecond.

/** Microseconds on CLOCK_MONOTONIC, as the load client reads it. */
export const sendTimeUs = () => process.hrtime.bigint() / 1000n
