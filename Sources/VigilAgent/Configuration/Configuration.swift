import Foundation
package import VigilEvents
package import VigilStats

/// The whole configuration file (SPEC §4), validated and typed.
package struct Configuration: Sendable {
    package var kafka = KafkaSettings()
    package var http = HTTPSettings()
    package var models: [ModelSettings] = []
    package var labels: LabelSettings?
    /// nil when `alerts:` is absent: the default rules of SPEC §9 apply.
    package var alerts: [AlertRuleSettings]?
    package var notify = NotifySettings()
    /// Where the file was read from (for messages); empty for in-memory configurations.
    package var sourcePath = ""
}

package struct KafkaSettings: Sendable {
    package enum StartFrom: String, Sendable, CaseIterable { case window, committed, earliest, latest }
    package var brokers: String?
    package var groupId = "vigil"
    package var clientId = "vigil"
    package var startFrom = StartFrom.window
    package var deadLetterTopic: String?
    package var idleTimeout = Duration.seconds(30)
    package var properties: [String: String] = [:]
}

package struct HTTPSettings: Sendable {
    package var host = "0.0.0.0"
    package var port = 9877
    package var tlsCertificatePath: String?
    package var tlsKeyPath: String?
    package var bearerToken: String?
    package var basicAuthUsers: [String: String] = [:]
    package var maxSeries = 50_000
}

package enum ModelTask: String, Sendable, CaseIterable {
    case binaryClassification = "binary_classification"
    case multiclass
    case regression
}

package struct FeatureSettings: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable { case numeric, categorical }
    package var name: String
    package var kind: Kind
}

package enum WindowSettings: Sendable, Equatable {
    /// Event-time sliding windows (SPEC §5); `size` is a multiple of `slide`.
    case time(size: Duration, slide: Duration, lateness: Duration)
    /// Tumbling windows of N accepted events.
    case count(Int)
}

package struct ReferenceSettings: Sendable {
    package var path: String?
    package var sample = 100_000
    package var warmupEvents: Int?
}

package typealias DriftMethod = VigilStats.DriftMethod

package struct DriftSettings: Sendable {
    package struct PerFeature: Sendable { package var method: DriftMethod?; package var threshold: Double? }
    package var method = DriftMethod.auto
    package var perFeature: [String: PerFeature] = [:]
    package var psiBins = 10
    package var datasetDriftShare = 0.5
}

package struct AnomalySettings: Sendable {
    package enum Method: String, Sendable, CaseIterable { case mahalanobis, none }
    package var method = Method.mahalanobis
    package var thresholdQuantile = 0.999
}

package struct PageHinkleySettings: Sendable, Equatable {
    package enum Mode: String, Sendable, CaseIterable { case both, up, down }
    package var delta = 0.005
    package var threshold = 50.0
    package var alpha = 0.9999
    package var minInstances = 30
    package var mode = Mode.both
}

package struct ModelSettings: Sendable {
    package var name: String
    package var topic: String?
    package var task = ModelTask.binaryClassification
    package var positiveClass = "1"
    package var decisionThreshold = 0.5
    package var fields = FieldPaths()
    package var features: [FeatureSettings] = []
    package var reference = ReferenceSettings()
    package var window = WindowSettings.time(size: .seconds(300), slide: .seconds(60), lateness: .seconds(30))
    package var maxWindowSamples = 100_000
    package var maxEventBytes = 1 << 20
    /// Distinct values kept per categorical feature (and for multiclass classes); the rest are
    /// pooled as `__other__` and counted `category_overflow` (Vigil's key).
    package var maxCategories = 10_000
    /// Events stamped more than this ahead of the wall clock are rejected as `bad_timestamp`;
    /// zero disables the check (Vigil's key).
    package var maxClockSkew = Duration.seconds(3600)
    package var drift = DriftSettings()
    package var anomaly = AnomalySettings()
    /// nil when change detection on the prediction is off.
    package var predictionChangeDetection: PageHinkleySettings? = PageHinkleySettings()

    package init(name: String) { self.name = name }

    /// The decoder's view of this model.
    package var schema: ModelSchema {
        let predictionKind: ModelSchema.ValueKind = task == .multiclass ? .categorical : .numeric
        return ModelSchema(
            name: name,
            features: features.map { .init(name: $0.name, kind: $0.kind == .numeric ? .numeric : .categorical) },
            prediction: predictionKind,
            label: predictionKind,
            maxCategories: maxCategories,
            maxClockSkewMillis: maxClockSkew == .zero ? nil : maxClockSkew.milliseconds
        )
    }
}

package struct LabelSettings: Sendable {
    package init(topic: String) { self.topic = topic }
    package var topic: String
    package var idField = "id"
    package var labelField = "label"
    package var timestampField = "ts"
    package var maxDelay = Duration.seconds(86_400)
}

package struct AlertRuleSettings: Sendable {
    package enum Operator: String, Sendable, CaseIterable {
        case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<=", equal = "==", notEqual = "!="
    }
    package enum Severity: String, Sendable, CaseIterable { case critical, error, warning, info }
    package var name: String
    package var model: String?
    package var metric: String
    package var features: [String]?
    package var op: Operator
    package var threshold: Double
    package var holdFor = Duration.zero
    package var keepFiringFor = Duration.zero
    package var severity = Severity.warning
    package var labels: [String: String] = [:]
    package var annotations: [String: String] = [:]
}

package struct NotifySettings: Sendable {
    package struct Alertmanager: Sendable {
        package var urls: [String]
        package var resendInterval = Duration.seconds(60)
        package var timeout = Duration.seconds(10)
    }
    package struct PagerDuty: Sendable {
        package var routingKey: String
        package var url = "https://events.pagerduty.com/v2/enqueue"
    }
    package struct Webhook: Sendable {
        package var name: String
        package var url: String
        package var headers: [String: String]
    }
    package var alertmanager: Alertmanager?
    package var pagerDuty: PagerDuty?
    package var webhooks: [Webhook] = []
    package var log = true
}
