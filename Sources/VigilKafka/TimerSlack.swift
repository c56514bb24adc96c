import CRdKafka

/// The timer slack librdkafka's threads get (Linux `PR_SET_TIMERSLACK`, inherited from the thread
/// that creates them): their timed sleeps may end up to this much later.
///
/// Why: librdkafka before 2.3.1 (Debian bookworm ships 2.0.2) busy-polls in its main thread before
/// each internal timer (librdkafka#4684, fixed by #4671): it sleeps the distance to the next timer
/// rounded *down* to whole milliseconds, then serves its queue with a zero timeout in a loop,
/// reading the clock each time, until the timer is due: up to a millisecond of spinning per timer,
/// several timers a second. That was ~1.8 ms of CPU a second, half of an idle agent's (issue 11).
/// With a slack of a millisecond or more the kernel ends most such sleeps past the timer, so the
/// loop finds it due. Nothing in librdkafka needs better than millisecond timers: its waits are
/// timeouts and intervals of tens of milliseconds and more; message delivery wakes it through
/// sockets and queues, not timers.
package enum TimerSlack {
    /// For librdkafka's threads: above the millisecond the main loop rounds away.
    package static let librdkafkaNanoseconds: UInt = 2_000_000

    /// Runs `body` (which creates librdkafka's threads: `rd_kafka_new`) with the calling thread's
    /// slack at `nanoseconds`, then restores it, so only the threads created meanwhile (and the ones
    /// they create later: librdkafka's broker threads) keep it.
    static func creatingThreads<T>(nanoseconds: UInt = librdkafkaNanoseconds, _ body: () throws -> T) rethrows -> T {
        let previous = vigil_timer_slack()
        guard previous > 0, vigil_set_timer_slack(nanoseconds) == 0 else { return try body() }
        defer { _ = vigil_set_timer_slack(UInt(previous)) }
        return try body()
    }

    /// The calling thread's timer slack in nanoseconds (0 where unsupported).
    package static var current: Int { vigil_timer_slack() }
}
