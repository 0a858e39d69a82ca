package import Storage

/// The head's open cells as one record (`metric_head`), written at each checkpoint so the
/// WAL can be truncated. Entries are (series, bucket, cell); the high-resolution flag here
/// means "a 1-second cell" (restored as is, not added to a minute cell too).
package enum HeadSnapshot {
    package static func encode(_ head: MetricHead) -> [UInt8] {
        SampleLog.encode(head.allCells().map { .init(series: $0.series, timestamp: $0.bucket, highResolution: $0.second, cell: $0.cell) },
                         receivedAt: 0)
    }

    package static func restore(_ bytes: [UInt8], into head: inout MetricHead) throws {
        for e in try SampleLog.decode(bytes).entries {
            head.reserve(e.series)
            if e.highResolution {
                head.second[Int(e.series)].set(e.timestamp, e.cell)
            } else {
                head.minute[Int(e.series)].set(e.timestamp, e.cell)
            }
        }
    }
}
