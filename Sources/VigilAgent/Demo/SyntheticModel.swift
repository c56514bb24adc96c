import Foundation
import VigilStats

/// A synthetic credit-risk model for `vigil demo`: JSON events whose inputs drift (and get
/// anomalous) after a given moment, so the live summary, `/metrics` and alerts light up.
struct SyntheticModel {
    private var random: SplitMix64
    private var sequence = 0
    let modelName: String

    init(modelName: String = "demo", seed: UInt64 = 42) {
        self.modelName = modelName
        random = SplitMix64(seed: seed)
    }

    private mutating func uniform() -> Double { Double(random.next() >> 11) * 0x1.0p-53 }

    private mutating func normal() -> Double {
        // Box–Muller; one value per call is plenty for a demo.
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    private mutating func pick(_ choices: [(String, Double)]) -> String {
        var u = uniform()
        for (name, p) in choices {
            if u < p { return name }
            u -= p
        }
        return choices[choices.count - 1].0
    }

    /// One event as a JSON line. `drifted` switches the input distributions; `malformed`
    /// produces an invalid message instead, to show rejection counting.
    mutating func event(timestampMillis: Int64, drifted: Bool) -> [UInt8] {
        sequence += 1
        if sequence % 997 == 0 { return Array("{\"model\":\"\(modelName)\",\"id\":\"broken-\(sequence)\",\"features\":".utf8) }
        let anomalous = drifted && uniform() < 0.03
        var amount = exp(3.9 + 0.6 * normal())
        if drifted { amount *= 1.6 }
        if anomalous { amount *= 25 }
        var age = (41 + 12 * normal()).rounded()
        age = min(max(age, 18), 90)
        var utilization = uniform()
        if drifted { utilization = min(1, utilization.squareRoot() * 1.05) }
        let merchant = drifted
            ? pick([("grocery", 0.20), ("travel", 0.35), ("electronics", 0.25), ("restaurants", 0.10), ("fuel", 0.10)])
            : pick([("grocery", 0.40), ("travel", 0.10), ("electronics", 0.15), ("restaurants", 0.20), ("fuel", 0.15)])
        let foreign = uniform() < (drifted ? 0.25 : 0.05)
        let ageMissing = uniform() < (drifted ? 0.15 : 0.01)
        let logit = -2.2 + 0.012 * (amount - 50) / 10 + 1.4 * utilization + (foreign ? 0.9 : 0) + (drifted ? 0.8 : 0)
        let prediction = 1 / (1 + exp(-logit))
        let label = uniform() < prediction ? 1 : 0
        func r(_ v: Double, _ digits: Double) -> Double { (v * digits).rounded() / digits }
        let ageText = ageMissing ? "null" : "\(Int(age))"
        let json = "{\"model\":\"\(modelName)\",\"id\":\"e-\(sequence)\",\"ts\":\(timestampMillis),"
            + "\"features\":{\"amount\":\(r(amount, 100)),\"age\":\(ageText),\"utilization\":\(r(utilization, 10000)),"
            + "\"merchant_category\":\"\(merchant)\",\"is_foreign\":\(foreign)},"
            + "\"prediction\":\(r(prediction, 10000)),\"label\":\(label)}"
        return Array(json.utf8)
    }
}

