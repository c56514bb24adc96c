import Foundation
package import Logging
import VigilEvents
package import VigilStats

/// `vigil baseline` (SPEC §2, §6): a reference profile from training or known-good events.
package enum Baseline {
    package struct Options: Sendable {
        package var configurationPath: String
        package var model: String
        package var inputPath: String
        package var outputPath: String

        package init(configurationPath: String, model: String, inputPath: String, outputPath: String) {
            self.configurationPath = configurationPath
            self.model = model
            self.inputPath = inputPath
            self.outputPath = outputPath
        }
    }

    package static func run(_ options: Options, logger: Logger) throws -> ReferenceProfile {
        // The profile the model will use need not exist yet: load the file without checking references.
        let configuration = try Configuration.load(path: options.configurationPath)
        guard let settings = configuration.models.first(where: { $0.name == options.model }) else {
            throw UsageError("--model: no model named \"\(options.model)\" in \(options.configurationPath) (models: \(configuration.models.map(\.name).joined(separator: ", ")))")
        }
        guard !settings.features.isEmpty else {
            throw ConfigurationError(path: "models[\(configuration.models.firstIndex { $0.name == options.model }!)].features", "required to build a reference profile")
        }
        let isCSV = options.inputPath.hasSuffix(".csv") || options.inputPath.hasSuffix(".csv.gz")
        var collector = ReferenceCollector(settings: settings)
        if isCSV {
            try CSVReference.read(path: options.inputPath, into: &collector)
        } else {
            try readJSONLines(path: options.inputPath, settings: settings, into: &collector, logger: logger)
        }
        let profile = collector.profile()
        try ProfileFile.write(profile, to: options.outputPath)
        logger.info("Anomaly scoring.", metadata: ["model": "\(settings.name)", "anomaly": "\(AnomalyStatus.describe(settings, reference: profile))"])
        if let dropped = profile.anomaly?.dropped, !dropped.isEmpty {
            logger.warning("Features left out of anomaly scoring: constant in the reference.", metadata: ["features": "\(dropped.joined(separator: ","))"])
        }
        logger.info("Reference profile written.", metadata: [
            "model": "\(settings.name)", "events": "\(profile.events)", "path": "\(options.outputPath)",
        ])
        return profile
    }

    static func readJSONLines(path: String, settings: ModelSettings, into collector: inout ReferenceCollector, logger: Logger) throws {
        // Training data is historical: no wall clock to be ahead of.
        var schema = settings.schema
        schema.maxClockSkewMillis = nil
        let decoder = EventDecoder(configuration: DecoderConfiguration(models: [schema], fields: settings.fields, maxEventBytes: settings.maxEventBytes))
        let reader = try LineReader(path: path)
        var pending = 0
        var rejected = 0
        func drain() {
            for batch in decoder.takeBatches() { collector.add(batch) }
            rejected += decoder.takeCounters().rejected.values.reduce(0, +)
        }
        try reader.forEachLine { line in
            _ = decoder.decode(line, partition: 0, offset: 0, processingTimeMillis: 0)
            pending += 1
            if pending == 4096 { drain(); pending = 0 }
        }
        drain()
        if rejected > 0 { logger.warning("Reference events rejected.", metadata: ["events.rejected": "\(rejected)"]) }
    }
}

/// Accumulates reference columns (all values; the reference is built offline) and profiles them.
struct ReferenceCollector {
    let settings: ModelSettings
    private(set) var events = 0
    private var numeric: [[Double]]
    private var categorical: [[String: Int]]
    private var categoricalMissing: [Int]
    private var categoryNames: [CategoryNames]
    private var predictions: [Double] = []
    private var predictionClasses: [String: Int] = [:]
    private var predictionMissing = 0
    private var classNames = CategoryNames()

    init(settings: ModelSettings) {
        self.settings = settings
        let schema = settings.schema
        numeric = Array(repeating: [], count: schema.numericFeatureNames.count)
        categorical = Array(repeating: [:], count: schema.categoricalFeatureNames.count)
        categoricalMissing = Array(repeating: 0, count: schema.categoricalFeatureNames.count)
        categoryNames = Array(repeating: CategoryNames(), count: schema.categoricalFeatureNames.count)
    }

    mutating func add(_ batch: EventBatch) {
        events += batch.count
        for f in numeric.indices { numeric[f] += batch.numeric[f] }
        for f in categorical.indices {
            categoryNames[f].append(batch.newCategories[f])
            for code in batch.categorical[f] {
                if let name = categoryNames[f].name(Int(code)) { categorical[f][name, default: 0] += 1 } else { categoricalMissing[f] += 1 }
            }
        }
        predictions += batch.predictionValues
        classNames.append(batch.newClasses)
        for code in batch.predictionCodes {
            if let name = classNames.name(Int(code)) { predictionClasses[name, default: 0] += 1 } else { predictionMissing += 1 }
        }
    }

    /// Adds one CSV row's values (numeric features as numbers, NaN = missing; categorical as names, nil = missing).
    mutating func add(numeric values: [Double], categorical names: [String?], prediction: Double?, predictionClass: String?) {
        events += 1
        for f in numeric.indices { numeric[f].append(values[f]) }
        for f in categorical.indices {
            if let name = names[f] { categorical[f][name, default: 0] += 1 } else { categoricalMissing[f] += 1 }
        }
        if settings.task == .multiclass {
            if let predictionClass { predictionClasses[predictionClass, default: 0] += 1 } else { predictionMissing += 1 }
        } else {
            predictions.append(prediction ?? .nan)
        }
    }

    func profile() -> ReferenceProfile {
        let bins = settings.drift.psiBins, sample = settings.reference.sample
        var numericIndex = 0, categoricalIndex = 0
        var columns: [ColumnProfile] = []
        for (index, feature) in settings.features.enumerated() {
            switch feature.kind {
            case .numeric:
                columns.append(ProfileBuilder.numeric(name: feature.name, values: numeric[numericIndex], psiBins: bins, sampleSize: sample, seed: 0xBA5E_0000 &+ UInt64(index)))
                numericIndex += 1
            case .categorical:
                columns.append(ProfileBuilder.categorical(name: feature.name, counts: categorical[categoricalIndex], missing: categoricalMissing[categoricalIndex]))
                categoricalIndex += 1
            }
        }
        let prediction: ColumnProfile?
        if settings.task == .multiclass {
            prediction = predictionClasses.isEmpty ? nil : ProfileBuilder.categorical(name: "prediction", counts: predictionClasses, missing: predictionMissing)
        } else {
            prediction = predictions.contains { !$0.isNaN }
                ? ProfileBuilder.numeric(name: "prediction", values: predictions, psiBins: bins, sampleSize: sample, seed: 0xBA5E_FFFF) : nil
        }
        var anomaly: MahalanobisModel?
        if settings.anomaly.method == .mahalanobis {
            let numericColumns = columns.filter { $0.numeric != nil }
            anomaly = MahalanobisModel.fit(
                names: numericColumns.map(\.name), columns: numeric, thresholdQuantile: settings.anomaly.thresholdQuantile,
                medians: numericColumns.map { $0.numeric?.median }, mads: numericColumns.map { $0.numeric?.mad })
        }
        return ReferenceProfile(model: settings.name, events: events, psiBins: bins, features: columns, prediction: prediction, anomaly: anomaly)
    }
}

/// CSV reference input: a header row naming features (and optionally `prediction`, `label`).
enum CSVReference {
    static func read(path: String, into collector: inout ReferenceCollector) throws {
        let reader = try LineReader(path: path)
        let settings = collector.settings
        var header: [String]?
        var columnOf: [Int?] = []
        var predictionColumn: Int?
        var line = 0
        try reader.forEachLine { bytes in
            line += 1
            let fields = parse(String(decoding: bytes, as: UTF8.self))
            guard let names = header else {
                header = fields
                columnOf = settings.features.map { feature in fields.firstIndex(of: feature.name) }
                predictionColumn = fields.firstIndex(of: "prediction")
                let missing = settings.features.indices.filter { columnOf[$0] == nil }.map { settings.features[$0].name }
                if !missing.isEmpty { throw UsageError("\(path): the header has no column for \(missing.joined(separator: ", "))") }
                return
            }
            guard fields.count == names.count else {
                throw UsageError("\(path):\(line): \(fields.count) fields, the header has \(names.count)")
            }
            var numeric: [Double] = [], categorical: [String?] = []
            for (f, feature) in settings.features.enumerated() {
                let text = fields[columnOf[f]!]
                switch feature.kind {
                case .numeric:
                    numeric.append(text.isEmpty ? .nan : (Double(text).flatMap { $0.isFinite ? $0 : nil } ?? .nan))
                case .categorical:
                    categorical.append(text.isEmpty ? nil : text)
                }
            }
            let predictionText = predictionColumn.map { fields[$0] }
            collector.add(numeric: numeric, categorical: categorical,
                          prediction: predictionText.flatMap(Double.init), predictionClass: predictionText.flatMap { $0.isEmpty ? nil : $0 })
        }
    }

    /// RFC 4180 fields of one line: commas, double quotes, `""` escapes.
    static func parse(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let ch = iterator.next() {
            if quoted {
                if ch == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; if next == "," { fields.append(field); field = "" } else { field.append(next) } }
                    } else { quoted = false }
                } else { field.append(ch) }
            } else if ch == "\"" && field.isEmpty {
                quoted = true
            } else if ch == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(ch)
            }
        }
        fields.append(field)
        return fields
    }
}
