/// Every metric Vigil exports (SPEC §9), declared once (STYLE §8). Nothing else invents names.
///
/// Gauges hold the values of the last evaluated window; counters count since the process started.
package enum MetricCatalog {
    // MARK: Ingestion

    package static let eventsTotal = MetricFamily(
        name: "vigil_events_total", help: "Events accepted per model.",
        type: .counter, labelNames: ["model"])
    package static let eventsRejectedTotal = MetricFamily(
        name: "vigil_events_rejected_total",
        help: "Events rejected per model (empty when the model is unknown) and reason (malformed, too_large, bad_timestamp, unknown_model, late).",
        type: .counter, labelNames: ["model", "reason"])
    package static let featureValuesInvalidTotal = MetricFamily(
        name: "vigil_feature_values_invalid_total",
        help: "Feature values treated as missing because they had the wrong JSON type (type_error) or were not finite (non_finite), or pooled as __other__ beyond max_categories (category_overflow).",
        type: .counter, labelNames: ["model", "feature", "reason"])

    // MARK: Windows

    package static let windowEvents = MetricFamily(
        name: "vigil_window_events", help: "Events accepted in the last evaluated window.",
        type: .gauge, labelNames: ["model"])
    package static let windowEndTimestampSeconds = MetricFamily(
        name: "vigil_window_end_timestamp_seconds",
        help: "End of the last evaluated window, in seconds since the Unix epoch.",
        type: .gauge, labelNames: ["model"])

    // MARK: Feature drift and quality

    package static let featurePSI = MetricFamily(
        name: "vigil_feature_psi",
        help: "Population stability index of the feature against the reference in the last window.",
        type: .gauge, labelNames: ["model", "feature"])
    package static let featureKSStatistic = MetricFamily(
        name: "vigil_feature_ks_statistic",
        help: "Two-sample Kolmogorov-Smirnov statistic D of the feature against the reference in the last window.",
        type: .gauge, labelNames: ["model", "feature"])
    package static let featureKSPValue = MetricFamily(
        name: "vigil_feature_ks_p_value",
        help: "Two-sample Kolmogorov-Smirnov p-value of the feature against the reference in the last window.",
        type: .gauge, labelNames: ["model", "feature"])
    package static let featureWassersteinNormed = MetricFamily(
        name: "vigil_feature_wasserstein_normed",
        help: "First Wasserstein distance to the reference divided by the reference standard deviation in the last window.",
        type: .gauge, labelNames: ["model", "feature"])
    package static let featureJensenShannon = MetricFamily(
        name: "vigil_feature_jensen_shannon",
        help: "Jensen-Shannon distance (natural log) of the feature distribution to the reference in the last window.",
        type: .gauge, labelNames: ["model", "feature"])
    package static let featureChi2PValue = MetricFamily(
        name: "vigil_feature_chi2_p_value",
        help: "Chi-square homogeneity test p-value of the feature categories against the reference in the last window.",
        type: .gauge, labelNames: ["model", "feature"])
    package static let featureDriftScore = MetricFamily(
        name: "vigil_feature_drift_score",
        help: "Drift score of the feature by the configured method in the last window: a p-value for tests, a distance otherwise.",
        type: .gauge, labelNames: ["model", "feature", "method"])
    package static let featureDrifted = MetricFamily(
        name: "vigil_feature_drifted", help: "Whether the feature drifted in the last window (1) or not (0).",
        type: .gauge, labelNames: ["model", "feature"])
    package static let featureMissingRatio = MetricFamily(
        name: "vigil_feature_missing_ratio",
        help: "Share of the last window's events in which the feature was missing, from 0 to 1.",
        type: .gauge, labelNames: ["model", "feature"])
    package static let featureOutOfRangeRatio = MetricFamily(
        name: "vigil_feature_out_of_range_ratio",
        help: "Share of the feature's values in the last window outside the reference minimum and maximum, from 0 to 1.",
        type: .gauge, labelNames: ["model", "feature"])
    package static let featureNewCategoryRatio = MetricFamily(
        name: "vigil_feature_new_category_ratio",
        help: "Share of the feature's values in the last window whose category the reference never saw, from 0 to 1.",
        type: .gauge, labelNames: ["model", "feature"])
    package static let featureMean = MetricFamily(
        name: "vigil_feature_mean", help: "Mean of the feature's values in the last window, in the feature's unit.",
        type: .gauge, labelNames: ["model", "feature"])
    package static let featureStddev = MetricFamily(
        name: "vigil_feature_stddev",
        help: "Sample standard deviation of the feature's values in the last window, in the feature's unit.",
        type: .gauge, labelNames: ["model", "feature"])
    package static let featureQuantile = MetricFamily(
        name: "vigil_feature_quantile",
        help: "Quantile of the feature's values in the last window (linear interpolation), in the feature's unit.",
        type: .gauge, labelNames: ["model", "feature", "quantile"])

    // MARK: Dataset drift

    package static let datasetDriftShare = MetricFamily(
        name: "vigil_dataset_drift_share", help: "Share of the model's features that drifted in the last window, from 0 to 1.",
        type: .gauge, labelNames: ["model"])
    package static let datasetDrifted = MetricFamily(
        name: "vigil_dataset_drifted", help: "Whether the model's dataset drifted in the last window (1) or not (0).",
        type: .gauge, labelNames: ["model"])

    // MARK: Prediction

    package static let predictionPSI = MetricFamily(
        name: "vigil_prediction_psi",
        help: "Population stability index of the prediction against the reference in the last window.",
        type: .gauge, labelNames: ["model"])
    package static let predictionKSStatistic = MetricFamily(
        name: "vigil_prediction_ks_statistic",
        help: "Two-sample Kolmogorov-Smirnov statistic D of the prediction against the reference in the last window.",
        type: .gauge, labelNames: ["model"])
    package static let predictionDriftScore = MetricFamily(
        name: "vigil_prediction_drift_score",
        help: "Drift score of the prediction by the configured method in the last window: a p-value for tests, a distance otherwise.",
        type: .gauge, labelNames: ["model"])
    package static let predictionDrifted = MetricFamily(
        name: "vigil_prediction_drifted", help: "Whether the prediction drifted in the last window (1) or not (0).",
        type: .gauge, labelNames: ["model"])
    package static let predictionMean = MetricFamily(
        name: "vigil_prediction_mean", help: "Mean prediction (score or regression value) in the last window.",
        type: .gauge, labelNames: ["model"])
    package static let predictionQuantile = MetricFamily(
        name: "vigil_prediction_quantile",
        help: "Quantile of the prediction in the last window (linear interpolation).",
        type: .gauge, labelNames: ["model", "quantile"])
    package static let predictionClassRatio = MetricFamily(
        name: "vigil_prediction_class_ratio", help: "Share of the last window's predictions per class, from 0 to 1.",
        type: .gauge, labelNames: ["model", "class"])

    // MARK: Anomalies and change detection

    package static let anomalyScore = MetricFamily(
        name: "vigil_anomaly_score", help: "Distribution of the events' anomaly scores (Mahalanobis distance, unitless).",
        type: .histogram, labelNames: ["model"],
        buckets: [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 8, 10, 15, 20, 50])
    package static let anomaliesTotal = MetricFamily(
        name: "vigil_anomalies_total", help: "Events scored anomalous (score above the calibrated threshold).",
        type: .counter, labelNames: ["model"])
    package static let anomalyRatio = MetricFamily(
        name: "vigil_anomaly_ratio", help: "Share of the last window's events scored anomalous, from 0 to 1.",
        type: .gauge, labelNames: ["model"])
    package static let changeDetectedTotal = MetricFamily(
        name: "vigil_change_detected_total", help: "Change points detected by the stream change detector per target.",
        type: .counter, labelNames: ["model", "target"])

    // MARK: Model performance

    package static let modelAccuracy = MetricFamily(
        name: "vigil_model_accuracy", help: "Accuracy of the labelled predictions in the last window, from 0 to 1.",
        type: .gauge, labelNames: ["model"])
    package static let modelPrecision = MetricFamily(
        name: "vigil_model_precision", help: "Precision of the positive class in the last window, from 0 to 1.",
        type: .gauge, labelNames: ["model"])
    package static let modelRecall = MetricFamily(
        name: "vigil_model_recall", help: "Recall of the positive class in the last window, from 0 to 1.",
        type: .gauge, labelNames: ["model"])
    package static let modelF1 = MetricFamily(
        name: "vigil_model_f1", help: "F1 score of the positive class in the last window, from 0 to 1.",
        type: .gauge, labelNames: ["model"])
    package static let modelROCAUC = MetricFamily(
        name: "vigil_model_roc_auc", help: "Area under the ROC curve of the scores in the last window, from 0 to 1.",
        type: .gauge, labelNames: ["model"])
    package static let modelLogLoss = MetricFamily(
        name: "vigil_model_log_loss", help: "Log loss (natural log) of the scores in the last window.",
        type: .gauge, labelNames: ["model"])
    package static let modelMAE = MetricFamily(
        name: "vigil_model_mae", help: "Mean absolute error of the regression predictions in the last window, in the target's unit.",
        type: .gauge, labelNames: ["model"])
    package static let modelRMSE = MetricFamily(
        name: "vigil_model_rmse", help: "Root mean squared error of the regression predictions in the last window, in the target's unit.",
        type: .gauge, labelNames: ["model"])

    // MARK: Delayed labels

    package static let labelsJoinedTotal = MetricFamily(
        name: "vigil_labels_joined_total", help: "Delayed labels joined to their prediction event.",
        type: .counter, labelNames: ["model"])
    package static let labelsUnmatchedTotal = MetricFamily(
        name: "vigil_labels_unmatched_total", help: "Delayed labels dropped because no prediction event matched within max_delay.",
        type: .counter, labelNames: ["model"])

    // MARK: Kafka

    package static let kafkaMessagesTotal = MetricFamily(
        name: "vigil_kafka_messages_total", help: "Kafka messages consumed per topic.",
        type: .counter, labelNames: ["topic"])
    package static let kafkaConsumerLagMessages = MetricFamily(
        name: "vigil_kafka_consumer_lag_messages",
        help: "Messages between the partition's high watermark and the consumer's position.",
        type: .gauge, labelNames: ["topic", "partition"])
    package static let kafkaRebalancesTotal = MetricFamily(
        name: "vigil_kafka_rebalances_total", help: "Consumer group rebalances (partition assignments and revocations).",
        type: .counter)

    // MARK: Agent

    package static let processingDurationSeconds = MetricFamily(
        name: "vigil_processing_duration_seconds",
        help: "Time spent per batch in each pipeline stage (decode, update, evaluate), in seconds.",
        type: .histogram, labelNames: ["stage"],
        buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
    package static let alerts = MetricFamily(
        name: "vigil_alerts", help: "Alerts per name and state (pending, firing).",
        type: .gauge, labelNames: ["alertname", "state"])
    package static let alertNotificationsTotal = MetricFamily(
        name: "vigil_alert_notifications_total", help: "Alert notifications per notifier and result (sent, failed, dropped).",
        type: .counter, labelNames: ["notifier", "result"])
    package static let seriesDroppedTotal = MetricFamily(
        name: "vigil_series_dropped_total",
        help: "Updates of new series dropped because the registry held max_series series.",
        type: .counter)
    package static let buildInfo = MetricFamily(
        name: "vigil_build_info", help: "Vigil build information; the value is always 1.",
        type: .gauge, labelNames: ["version", "swift_version"])

    /// Every `vigil_` family, in exposition order.
    package static let all: [MetricFamily] = [
        eventsTotal, eventsRejectedTotal, featureValuesInvalidTotal,
        windowEvents, windowEndTimestampSeconds,
        featurePSI, featureKSStatistic, featureKSPValue, featureWassersteinNormed, featureJensenShannon, featureChi2PValue,
        featureDriftScore, featureDrifted,
        featureMissingRatio, featureOutOfRangeRatio, featureNewCategoryRatio,
        featureMean, featureStddev, featureQuantile,
        datasetDriftShare, datasetDrifted,
        predictionPSI, predictionKSStatistic, predictionDriftScore, predictionDrifted, predictionMean, predictionQuantile,
        predictionClassRatio,
        anomalyScore, anomaliesTotal, anomalyRatio, changeDetectedTotal,
        modelAccuracy, modelPrecision, modelRecall, modelF1, modelROCAUC, modelLogLoss, modelMAE, modelRMSE,
        labelsJoinedTotal, labelsUnmatchedTotal,
        kafkaMessagesTotal, kafkaConsumerLagMessages, kafkaRebalancesTotal,
        processingDurationSeconds, alerts, alertNotificationsTotal, seriesDroppedTotal, buildInfo,
    ]

    // MARK: Process (standard names, rendered from /proc at scrape time; not stored in the registry)

    package static let processCPUSecondsTotal = MetricFamily(
        name: "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.", type: .counter)
    package static let processResidentMemoryBytes = MetricFamily(
        name: "process_resident_memory_bytes", help: "Resident memory size in bytes.", type: .gauge)
    package static let processVirtualMemoryBytes = MetricFamily(
        name: "process_virtual_memory_bytes", help: "Virtual memory size in bytes.", type: .gauge)
    package static let processStartTimeSeconds = MetricFamily(
        name: "process_start_time_seconds", help: "Start time of the process since unix epoch in seconds.", type: .gauge)
    package static let processOpenFDs = MetricFamily(
        name: "process_open_fds", help: "Number of open file descriptors.", type: .gauge)
    package static let processMaxFDs = MetricFamily(
        name: "process_max_fds", help: "Maximum number of open file descriptors.", type: .gauge)

    /// The standard process families, in exposition order.
    package static let process: [MetricFamily] = [
        processCPUSecondsTotal, processOpenFDs, processMaxFDs,
        processVirtualMemoryBytes, processResidentMemoryBytes, processStartTimeSeconds,
    ]
}
