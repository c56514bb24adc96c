/// Ledoit-Wolf shrunk covariance, as `sklearn.covariance.LedoitWolf().fit(X)` computes it
/// (scikit-learn 1.9, `assume_centered=False`): X is centred by its column means,
/// S = XᵀX / n, m = tr(S)/d, β̄ = (Σᵢⱼ ((X∘X)ᵀ(X∘X))ᵢⱼ / n − ‖S‖²_F) / (d·n),
/// δ = ‖S − m·I‖²_F / d, λ = min(β̄, δ)/δ (0 when β̄ = 0), Σ = (1 − λ)·S + λ·m·I.
package enum LedoitWolf {
    package struct Result: Sendable, Equatable {
        /// d × d, row-major.
        package var covariance: [Double]
        package var shrinkage: Double
    }

    /// - Parameter rows: n rows of d values, row-major (`rows[i * d + j]`), no NaN.
    /// - Complexity: O(n·d²).
    package static func fit(rows: [Double], n: Int, d: Int) -> Result {
        precondition(rows.count == n * d && n > 0 && d > 0, "shape")
        var means = Array(repeating: 0.0, count: d)
        for i in 0..<n { for j in 0..<d { means[j] += rows[i * d + j] } }
        for j in 0..<d { means[j] /= Double(n) }
        var x = rows
        for i in 0..<n { for j in 0..<d { x[i * d + j] -= means[j] } }
        // S = XᵀX / n and B = (X∘X)ᵀ(X∘X)
        var s = Array(repeating: 0.0, count: d * d)
        var beta = 0.0
        var squares = Array(repeating: 0.0, count: d)
        for i in 0..<n {
            let base = i * d
            for a in 0..<d {
                let xa = x[base + a]
                squares[a] = xa * xa
                for b in a..<d { s[a * d + b] += xa * x[base + b] }
            }
            var rowSquares = 0.0
            for a in 0..<d { rowSquares += squares[a] }
            beta += rowSquares * rowSquares        // Σ_ab x_a² x_b² for this row
        }
        for a in 0..<d {
            for b in a..<d {
                s[a * d + b] /= Double(n)
                s[b * d + a] = s[a * d + b]
            }
        }
        var trace = 0.0
        for a in 0..<d { trace += s[a * d + a] }
        let mu = trace / Double(d)
        var frobenius = 0.0
        for v in s { frobenius += v * v }
        // sklearn: delta_ = Σ (XᵀX)² / n²  (= ‖S‖²_F); beta = (beta_/n − delta_) / (d·n)
        var betaBar = (beta / Double(n) - frobenius) / (Double(d) * Double(n))
        // delta = (‖S‖²_F − 2·mu·tr(S) + d·mu²) / d  (= ‖S − mu·I‖²_F / d)
        let delta = (frobenius - 2 * mu * trace + Double(d) * mu * mu) / Double(d)
        betaBar = Swift.min(betaBar, delta)
        // One feature (sklearn's special case) or S already a multiple of I: no shrinkage.
        let shrinkage = (d == 1 || delta <= 0 || betaBar <= 0) ? 0 : betaBar / delta
        var covariance = s
        for a in 0..<d {
            for b in 0..<d { covariance[a * d + b] *= (1 - shrinkage) }
            covariance[a * d + a] += shrinkage * mu
        }
        return Result(covariance: covariance, shrinkage: shrinkage)
    }
}

/// Cholesky factorisation of symmetric positive-definite matrices.
package enum Cholesky {
    /// Lower-triangular L with A = L·Lᵀ (row-major d × d), or nil when A is not positive definite.
    /// - Complexity: O(d³).
    package static func lower(_ a: [Double], d: Int) -> [Double]? {
        var l = Array(repeating: 0.0, count: d * d)
        for i in 0..<d {
            for j in 0...i {
                var sum = a[i * d + j]
                for k in 0..<j { sum -= l[i * d + k] * l[j * d + k] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    l[i * d + i] = sum.squareRoot()
                } else {
                    l[i * d + j] = sum / l[j * d + j]
                }
            }
        }
        return l
    }

    /// The inverse of a lower-triangular matrix (row-major), itself lower-triangular.
    package static func invertLower(_ l: [Double], d: Int) -> [Double] {
        var m = Array(repeating: 0.0, count: d * d)
        for i in 0..<d {
            m[i * d + i] = 1 / l[i * d + i]
            for j in 0..<i {
                var sum = 0.0
                for k in j..<i { sum -= l[i * d + k] * m[k * d + j] }
                m[i * d + j] = sum / l[i * d + i]
            }
        }
        return m
    }
}
