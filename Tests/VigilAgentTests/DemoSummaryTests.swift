import Testing
import VigilAlerting
@testable import VigilAgent

/// The demo's alert line, which both the terminal dashboard and the plain lines written to logs
/// and pipes show (the plain lines had none before, so a piped `make demo` never showed its alert).
@Suite struct DemoSummaryTests {
    static func alert(_ name: String, feature: String? = nil, _ state: Alert.State) -> Alert {
        var labels = ["alertname": name, "model": "demo"]
        labels["feature"] = feature
        return Alert(labels: labels, annotations: [:], state: state, value: 1, startsAtMillis: 0)
    }

    @Test func noAlerts() {
        #expect(DemoSummary.alertsText([], color: false) == "alerts: none")
        #expect(DemoSummary.alertsText([], color: true) == "alerts: none")
    }

    @Test func firingAndPendingByNameAndFeature() {
        let alerts = [Self.alert("FeatureDrift", feature: "amount", .firing), Self.alert("DatasetDrift", .firing),
                      Self.alert("AnomalyRateHigh", .pending)]
        #expect(DemoSummary.alertsText(alerts, color: false)
                == "alerts: FIRING FeatureDrift(amount), DatasetDrift · pending AnomalyRateHigh")
        // On a terminal FIRING is bold red; the rest is the same.
        #expect(DemoSummary.alertsText(alerts, color: true)
                == "alerts: \u{1B}[1;31mFIRING\u{1B}[0m FeatureDrift(amount), DatasetDrift · pending AnomalyRateHigh")
    }

    @Test func pendingOnly() {
        #expect(DemoSummary.alertsText([Self.alert("AnomalyRateHigh", .pending)], color: false) == "alerts: pending AnomalyRateHigh")
    }
}
