import Testing
import TestSupport
import VigilStats

/// Expected values: scikit-learn 1.9.1 on the same inputs (the calls are in each comment).
@Suite struct PerformanceSummaryTests {
    @Test func binaryWithTiedScores() throws {
        // roc_auc_score(y, s) = 0.7, log_loss(y, s) = 0.7163752655167425
        let y: [Double] = [0, 1, 1, 0, 1, 0, 0, 1, 1, 0], s = [0.1, 0.4, 0.4, 0.4, 0.8, 0.2, 0.9, 0.35, 0.4, 0.0]
        var summary = PerformanceSummary(task: .binary(threshold: 0.5, positive: 1))
        s.withUnsafeBufferPointer { p in y.withUnsafeBufferPointer { summary.add(predictions: p, labels: $0, rows: 0..<10) } }
        let r = summary.report()
        #expect(r.labeled == 10)
        #expect(isClose(r.rocAUC, 0.7, relative: 1e-12))
        #expect(isClose(r.logLoss, 0.7163752655167425, relative: 1e-12))
        // threshold 0.5: predicted positive = {0.8, 0.9} → TP 1, FP 1, FN 4, TN 4 (by hand)
        #expect(r.accuracy == 0.5 && r.precision == 0.5 && r.recall == 0.2)
        #expect(isClose(r.f1, 2 * 0.5 * 0.2 / 0.7, relative: 1e-15))
        #expect(r.mae == nil && r.macroF1 == nil)
    }

    @Test func regression() {
        // mean_absolute_error = 0.42000000000000004, sqrt(mean_squared_error) = 0.5495452665613635,
        // mean_absolute_percentage_error = 90071992547410.19 (y = 0 divides by float64 eps)
        let y = [3.0, -0.5, 2.0, 7.0, 0.0], p = [2.5, 0.0, 2.0, 8.0, 0.1]
        var summary = PerformanceSummary(task: .regression)
        p.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { summary.add(predictions: a, labels: $0, rows: 0..<5) } }
        let r = summary.report()
        #expect(isClose(r.mae, 0.42000000000000004, relative: 1e-12))
        #expect(isClose(r.rmse, 0.5495452665613635, relative: 1e-12))
        #expect(isClose(r.mape, 90071992547410.19, relative: 1e-12))
        #expect(r.accuracy == nil && r.rocAUC == nil)
    }

    @Test func multiclass() {
        // accuracy_score = 0.5714285714285714, f1_score(average="macro") = 0.5666666666666668
        // classes a=1, b=2, c=3; true a b c a b c a, predicted a c c a b b b
        let y: [UInt32] = [1, 2, 3, 1, 2, 3, 1], p: [UInt32] = [1, 3, 3, 1, 2, 2, 2]
        var summary = PerformanceSummary(task: .multiclass)
        p.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { summary.add(predictionCodes: a, labelCodes: $0, rows: 0..<7) } }
        let r = summary.report()
        #expect(isClose(r.accuracy, 0.5714285714285714, relative: 1e-12))
        #expect(isClose(r.macroF1, 0.5666666666666668, relative: 1e-12))
    }

    @Test func oneClassHasNoAUCAndUnlabelledRowsAreSkipped() {
        var summary = PerformanceSummary(task: .binary(threshold: 0.5, positive: 1))
        let p = [0.2, 0.9, .nan], y = [1.0, 1.0, 0.0]
        p.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { summary.add(predictions: a, labels: $0, rows: 0..<3) } }
        #expect(summary.report().labeled == 2)
        #expect(summary.report().rocAUC == nil)
        #expect(PerformanceSummary(task: .regression).report().mae == nil)
    }

    @Test func mergingPanesEqualsOneSummary() {
        var random = SplitMix64(seed: 3)
        let p = (0..<200).map { _ in Double(random.next() % 100) / 100 }, y = (0..<200).map { _ in Double(random.next() % 2) }
        var whole = PerformanceSummary(task: .binary(threshold: 0.5, positive: 1))
        var a = whole, b = whole
        p.withUnsafeBufferPointer { pp in y.withUnsafeBufferPointer { yy in
            whole.add(predictions: pp, labels: yy, rows: 0..<200)
            a.add(predictions: pp, labels: yy, rows: 0..<77)
            b.add(predictions: pp, labels: yy, rows: 77..<200)
        } }
        b.merge(a)
        #expect(b.report().rocAUC == whole.report().rocAUC)
        // Sorting the scores in place (what a window does before reporting) changes nothing, and
        // neither do labels added after it (the retained windows of delayed labels).
        let unsorted = b.report()
        b.sortScores()
        #expect(b.scoresSorted && b.report() == unsorted)
        b.add(prediction: 0.05, label: 1)
        whole.add(prediction: 0.05, label: 1)
        #expect(!b.scoresSorted && b.report().rocAUC == whole.report().rocAUC)
        #expect(isClose(b.report().logLoss, whole.report().logLoss, relative: 1e-12))
    }
}
