/// What a model's events look like: where each field lives and which features to extract.
///
/// Built by VigilAgent from the configuration (SPEC §4 `fields`, `features`, `task`).
/// Feature order is the configuration order; numeric and categorical features are
/// numbered separately (`EventBatch.numeric[i]` is the i-th numeric feature).
package struct ModelSchema: Sendable, Equatable {
    package enum ValueKind: Sendable, Equatable {
        /// A JSON number (booleans 0/1 accepted for labels).
        case numeric
        /// A string, boolean (`"true"`/`"false"`) or integer class.
        case categorical
    }

    package struct Feature: Sendable, Equatable {
        package var name: String
        package var kind: ValueKind
        package init(name: String, kind: ValueKind) {
            self.name = name
            self.kind = kind
        }
    }

    package var name: String
    package var features: [Feature]
    /// `numeric` for binary_classification and regression, `categorical` for multiclass.
    package var prediction: ValueKind
    package var label: ValueKind
    /// Distinct category names kept per categorical feature and for the classes (SPEC §4
    /// `max_categories`, Vigil's key); nil uses `DecoderConfiguration.maxCategoriesPerFeature`.
    package var maxCategories: Int?
    /// An event whose own timestamp is more than this many milliseconds ahead of the processing
    /// time is rejected as `bad_timestamp` (`max_clock_skew`, Vigil's key); nil accepts any future time.
    package var maxClockSkewMillis: Int64?

    package init(name: String, features: [Feature], prediction: ValueKind, label: ValueKind,
                 maxCategories: Int? = nil, maxClockSkewMillis: Int64? = nil) {
        self.name = name
        self.features = features
        self.prediction = prediction
        self.label = label
        self.maxCategories = maxCategories
        self.maxClockSkewMillis = maxClockSkewMillis
    }

    package var numericFeatureNames: [String] { features.filter { $0.kind == .numeric }.map(\.name) }
    package var categoricalFeatureNames: [String] { features.filter { $0.kind == .categorical }.map(\.name) }
}

/// Dotted paths of the event fields (SPEC §4 `fields`); each path is split on `.`.
package struct FieldPaths: Sendable, Equatable {
    package var model: [String] = ["model"]
    package var id: [String] = ["id"]
    package var timestamp: [String] = ["ts"]
    package var features: [String] = ["features"]
    package var prediction: [String] = ["prediction"]
    package var label: [String] = ["label"]

    package init() {}

    package init(model: String, id: String, timestamp: String, features: String, prediction: String, label: String) {
        func split(_ path: String) -> [String] { path.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
        self.model = split(model)
        self.id = split(id)
        self.timestamp = split(timestamp)
        self.features = split(features)
        self.prediction = split(prediction)
        self.label = split(label)
    }
}

/// Why an event was not accepted (SPEC §3). The raw value is the metric label.
package enum RejectionReason: String, Sendable, CaseIterable, Hashable {
    case malformed
    case tooLarge = "too_large"
    case badTimestamp = "bad_timestamp"
    case unknownModel = "unknown_model"
    case late
}

/// Why a single feature value was counted while its event was kept (SPEC §3, §9): treated as
/// missing (`type_error`, `non_finite`) or pooled (`category_overflow`).
package enum InvalidValueReason: String, Sendable, CaseIterable, Hashable {
    case typeError = "type_error"
    case nonFinite = "non_finite"
    /// Not missing: a categorical value pooled into `EventDecoder.overflowCategory` because its
    /// feature already holds `max_categories` distinct names (Vigil's addition to SPEC §9's reasons).
    case categoryOverflow = "category_overflow"
}
