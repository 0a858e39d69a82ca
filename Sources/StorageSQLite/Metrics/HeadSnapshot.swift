import Storage

/// The head's open cells as one record (`metric_head`), written at each checkpoint so the
/// WAL can be truncated. Entries are (series, bucket, cell); the high-resolution flag here
/// means "a 1-second cell" (restored as is, not added to a minute cell too).
enum HeadSnapshot {
    static func encode(_ head: MetricHead) -> [UInt8] {
        var entries: [SampleLog.Entry] = []
        for (series, cells) in head.minute {
            for (bucket, cell) in cells { entries.append(.init(series: series, timestamp: bucket, highResolution: false, cell: cell)) }
        }
        for (series, cells) in head.second {
            for (bucket, cell) in cells { entries.append(.init(series: series, timestamp: bucket, highResolution: true, cell: cell)) }
        }
        return SampleLog.encode(entries, receivedAt: 0)
    }

    static func restore(_ bytes: [UInt8], into head: inout MetricHead) throws {
        for e in try SampleLog.decode(bytes).entries {
            if e.highResolution {
                head.second[e.series, default: [:]][e.timestamp] = e.cell
            } else {
                head.minute[e.series, default: [:]][e.timestamp] = e.cell
            }
        }
    }
}
