/**
 * One message per turn of the event loop between the primary and a worker, however many things
 * the turn had to say.
 */

/**
 * Returns a `schedule()` that runs `flush` once after the current turn of the event loop
 * (`setImmediate`: after every I/O callback of this loop iteration), however often it is
 * called before then. Each message over IPC costs a system call, its serialization and often a
 * wake-up on each side; batching a turn's worth into one is most of the saving in a burst.
 *
 * @example
 * const schedule = oncePerTurn(() => send(queue.splice(0)))
 * queue.push(request); schedule()
 */
export function oncePerTurn(flush: () => void): () => void {
  let scheduled = false
  const run = () => {
    scheduled = false
    flush()
  }
  return () => {
    if (scheduled) return
    scheduled = true
    setImmediate(run)
  }
}
