/// Page-Hinkley change detection, as `river.drift.PageHinkley` (River 0.26.1) computes it
/// (SPEC §7): per value x (after a detection everything resets first) n += 1,
/// mean += (x − mean)/n, dev = x − mean, up = α·up + dev − δ, down = α·down + dev + δ,
/// min_up = min(min_up, up), max_down = max(max_down, down); once n ≥ min_instances a change is
/// detected when up − min_up > threshold (modes both/up) or max_down − down > threshold
/// (modes both/down). State-machine style: feed values in event-time order, never reset per window.
package struct PageHinkley: Sendable, Equatable {
    package enum Mode: String, Sendable { case both, up, down }

    package let delta: Double
    package let threshold: Double
    package let alpha: Double
    package let minInstances: Int
    package let mode: Mode
    private var n = 0
    private var mean = 0.0
    private var up = 0.0
    private var down = 0.0
    private var minUp = Double.infinity
    private var maxDown = -1.0
    private var detectedLast = false

    package init(delta: Double = 0.005, threshold: Double = 50, alpha: Double = 1 - 0.0001, minInstances: Int = 30, mode: Mode = .both) {
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
        self.minInstances = minInstances
        self.mode = mode
    }

    /// Feeds one value; returns true when it signals a change. NaN is ignored (no update).
    package mutating func update(_ x: Double) -> Bool {
        guard !x.isNaN else { return false }
        if detectedLast {
            n = 0; mean = 0; up = 0; down = 0; minUp = .infinity; maxDown = -1
        }
        n += 1
        mean += (x - mean) / Double(n)
        let deviation = x - mean
        up = alpha * up + deviation - delta
        down = alpha * down + deviation + delta
        minUp = Swift.min(minUp, up)
        maxDown = Swift.max(maxDown, down)
        var detected = false
        if n >= minInstances {
            if mode != .down && up - minUp > threshold { detected = true }
            if mode != .up && maxDown - down > threshold { detected = true }
        }
        detectedLast = detected
        return detected
    }
}
