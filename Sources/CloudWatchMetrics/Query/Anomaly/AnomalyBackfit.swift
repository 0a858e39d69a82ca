/// Fits `AnomalyModel`'s additive terms to training points by backfitting: each term in turn
/// is refitted to what the others leave of the values, until they agree.
///
///     stage 1, 2 rounds (a start no outlier can drag):
///         trend  ← Tukey's resistant line through  y − daily − weekly
///         daily  ← per-slot medians of             y − trend − weekly
///         weekly ← per-day medians of              y − trend − daily
///     stage 2, 4 × (reweight, then 2 rounds):
///         weight ← Huber: 1 within 3σ of the fit, 3σ / |residual| beyond
///         daily, weekly ← weighted means;  trend ← weighted least squares
///
/// Each seasonal profile is centred so that its weighted mean over the training points is 0
/// (the trend's level carries the mean); a slot or day without points stays 0. A profile that
/// is off is a single slot (or seven days) of 0 that every point falls in.
struct AnomalyBackfit {
    /// Seconds from the model's reference time, ascending; and the values.
    let x: [Double]
    let y: [Double]
    /// Each point's daily slot and local day of the week (0 when that profile is off).
    var slot: [Int]
    var day: [Int]
    private let fitsSlope: Bool
    private(set) var level = 0.0
    private(set) var slope = 0.0
    private(set) var daily: [Double]
    private(set) var weekly: [Double]
    private let fitsDaily: Bool
    private let fitsWeekly: Bool
    private var weight: [Double]

    /// A fit of `y` at `x` with `slotCount` daily slots (0: no daily profile). Set `slot` and
    /// `day` before calling `fit()`.
    init(x: [Double], y: [Double], slotCount: Int, fitsSlope: Bool, fitsWeekly: Bool) {
        self.x = x
        self.y = y
        slot = [Int](repeating: 0, count: x.count)
        day = slot
        self.fitsSlope = fitsSlope
        fitsDaily = slotCount > 0
        self.fitsWeekly = fitsWeekly
        daily = [Double](repeating: 0, count: max(1, slotCount))
        weekly = [Double](repeating: 0, count: 7)
        weight = [Double](repeating: 1, count: x.count)
    }

    /// Runs both stages.
    mutating func fit() {
        let slots = Groups(keys: slot, count: daily.count), days = Groups(keys: day, count: 7)
        for _ in 0..<2 {
            resistantLine()
            if fitsDaily { daily = centredMedians(slots) { y[$0] - trend($0) - weekly[day[$0]] } }
            if fitsWeekly { weekly = centredMedians(days) { y[$0] - trend($0) - daily[slot[$0]] } }
        }
        for _ in 0..<4 {
            reweight()
            for _ in 0..<2 {
                if fitsDaily { daily = centredMeans(slot, count: daily.count) { y[$0] - trend($0) - weekly[day[$0]] } }
                if fitsWeekly { weekly = centredMeans(day, count: 7) { y[$0] - trend($0) - daily[slot[$0]] } }
                leastSquaresLine()
            }
        }
    }

    /// Value minus fit, per point.
    func residuals() -> [Double] {
        x.indices.map { y[$0] - trend($0) - daily[slot[$0]] - weekly[day[$0]] }
    }

    private func trend(_ i: Int) -> Double { level + slope * x[i] }

    private mutating func resistantLine() {
        let z = x.indices.map { y[$0] - daily[slot[$0]] - weekly[day[$0]] }
        slope = 0
        if fitsSlope {
            let third = x.count / 3
            var leftX = Array(x.prefix(third)), rightX = Array(x.suffix(third))
            var leftZ = Array(z.prefix(third)), rightZ = Array(z.suffix(third))
            let dx = Self.median(&rightX) - Self.median(&leftX)
            if dx > 0 { slope = (Self.median(&rightZ) - Self.median(&leftZ)) / dx }
        }
        var rest = x.indices.map { z[$0] - slope * x[$0] }
        level = Self.median(&rest)
    }

    private mutating func leastSquaresLine() {
        var sw = 0.0, swx = 0.0, swz = 0.0
        for i in x.indices {
            let w = weight[i]
            sw += w
            swx += w * x[i]
            swz += w * (y[i] - daily[slot[i]] - weekly[day[i]])
        }
        let xm = swx / sw, zm = swz / sw
        slope = 0
        if fitsSlope {
            var sxx = 0.0, sxz = 0.0
            for i in x.indices {
                let dx = x[i] - xm
                sxx += weight[i] * dx * dx
                sxz += weight[i] * dx * (y[i] - daily[slot[i]] - weekly[day[i]] - zm)
            }
            if sxx > 0 { slope = sxz / sxx }
        }
        level = zm - slope * xm
    }

    private mutating func reweight() {
        let r = residuals()
        let limit = 3 * Self.scale(of: r)
        for i in r.indices {
            let a = abs(r[i])
            weight[i] = limit > 0 && a > limit ? limit / a : 1
        }
    }

    private func centredMedians(_ groups: Groups, _ value: (Int) -> Double) -> [Double] {
        var profile = [Double](repeating: 0, count: groups.count), counts = profile
        var buffer: [Double] = []
        for g in 0..<groups.count {
            buffer.removeAll(keepingCapacity: true)
            for i in groups.members(g) { buffer.append(value(i)) }
            counts[g] = Double(buffer.count)
            if !buffer.isEmpty { profile[g] = Self.median(&buffer) }
        }
        return Self.centred(profile, totals: counts)
    }

    private func centredMeans(_ keys: [Int], count: Int, _ value: (Int) -> Double) -> [Double] {
        var sums = [Double](repeating: 0, count: count), totals = sums
        for i in keys.indices {
            sums[keys[i]] += weight[i] * value(i)
            totals[keys[i]] += weight[i]
        }
        return Self.centred(sums.indices.map { totals[$0] > 0 ? sums[$0] / totals[$0] : 0 }, totals: totals)
    }

    private static func centred(_ profile: [Double], totals: [Double]) -> [Double] {
        let total = totals.reduce(0, +)
        guard total > 0 else { return profile }
        let mean = profile.indices.reduce(0) { $0 + profile[$1] * totals[$1] } / total
        return profile.indices.map { totals[$0] > 0 ? profile[$0] - mean : 0 }
    }

    /// The robust scale of residuals about 0: 1.4826 × median |r| (σ for normal noise), or
    /// 1.2533 × mean |r| when the median is 0; 0 for no residuals.
    static func scale(of residuals: [Double]) -> Double {
        guard !residuals.isEmpty else { return 0 }
        var magnitudes = residuals.map(abs)
        let m = median(&magnitudes)
        return m > 0 ? 1.4826 * m : 1.2533 * magnitudes.reduce(0, +) / Double(magnitudes.count)
    }

    /// The median of a non-empty `values`, in linear time (the buffer is reordered).
    static func median(_ values: inout [Double]) -> Double {
        let k = values.count / 2
        let upper = select(&values, k)
        return values.count % 2 == 1 ? upper : (values[..<k].max()! + upper) / 2
    }

    /// Hoare's quickselect: the k-th smallest of `values`, which it reorders so that every
    /// element before k is ≤ it and every one after is ≥ it.
    private static func select(_ values: inout [Double], _ k: Int) -> Double {
        values.withUnsafeMutableBufferPointer { a in
            var lo = 0, hi = a.count - 1
            while lo < hi {
                let p = (a[lo], a[lo + (hi - lo) / 2], a[hi])
                let pivot = max(min(p.0, p.1), min(max(p.0, p.1), p.2))
                var i = lo, j = hi
                while i <= j {
                    while a[i] < pivot { i += 1 }
                    while a[j] > pivot { j -= 1 }
                    if i <= j {
                        a.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if k <= j { hi = j } else if k >= i { lo = i } else { break }
            }
            return a[k]
        }
    }
}

/// Point indices grouped by a key in 0..<count (a counting sort), for per-group medians.
private struct Groups {
    let count: Int
    private let start: [Int]
    private let order: [Int]

    init(keys: [Int], count: Int) {
        self.count = count
        var start = [Int](repeating: 0, count: count + 1)
        for k in keys { start[k + 1] += 1 }
        for g in 0..<count { start[g + 1] += start[g] }
        var next = start, order = [Int](repeating: 0, count: keys.count)
        for (i, k) in keys.enumerated() {
            order[next[k]] = i
            next[k] += 1
        }
        self.start = start
        self.order = order
    }

    func members(_ g: Int) -> ArraySlice<Int> { order[start[g]..<start[g + 1]] }
}
