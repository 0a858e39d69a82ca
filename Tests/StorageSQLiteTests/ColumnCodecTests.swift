@testable import StorageEngine
@testable import StorageSQLite
import Testing

@Suite("Column codecs")
struct ColumnCodecTests {
    func roundTrip(_ values: [Double]) throws -> [Double] {
        var w = ByteWriter()
        DoubleColumn.encode(values, into: &w)
        var r = ByteReader(w.bytes)
        return try DoubleColumn.decode(count: values.count, from: &r)
    }

    /// A large value accepted at scale 0, then a small one that raises the scale to 5:
    /// 1e14 × 1e5 = 1e19 overflowed Int64 and trapped the checkpoint (and its replay on restart).
    @Test("a later small value cannot push an earlier large one past Int64", arguments: [
        [1e14, 0.00001], [-100_000_000_000_000, 0.00001], [99_999_999_999_999, 0.5, 0.000000001],
    ])
    func scaleRaisedByALaterValue(values: [Double]) throws {
        #expect(try roundTrip(values) == values)
    }

    @Test("short decimals still use the decimal encoding")
    func decimalsStayCompact() throws {
        let values = (0..<100).map { Double($0) / 10 }
        #expect(try roundTrip(values) == values)
        var w = ByteWriter()
        DoubleColumn.encode(values, into: &w)
        #expect(w.bytes.first == 1)
    }
}
