import Foundation
@testable import LogsInsights
import Testing

@Suite("Lookup tables and compared periods")
struct LookupTableTests {
    @Test("CSV: quoted fields, doubled quotes, CRLF, blank lines and a missing final newline")
    func csv() throws {
        var t = try LookupTable(csv: "id, name ,note\r\n1,\"Ana, A.\",\"say \"\"hi\"\"\"\n\n2,Bo,\"two\nlines\"")
        #expect(t.columns == ["id", "name", "note"])
        #expect(t.records == [["1", "Ana, A.", "say \"hi\""], ["2", "Bo", "two\nlines"]])
        #expect(t.match(["id"], ["2"]) == ["2", "Bo", "two\nlines"])
        #expect(t.match(["id", "name"], ["1", "Ana, A."])?.first == "1")
        #expect(t.match(["id"], ["3"]) == nil)
        #expect(t.match(["ID"], ["1"]) == nil)  // column names match exactly
    }

    @Test("the first of several records with one key matches", arguments: [0, 1])
    func firstMatch(_ unused: Int) throws {
        var t = try LookupTable(csv: "k,v\na,1\na,2\n")
        #expect(t.match(["k"], ["a"]) == ["a", "1"])
    }

    @Test("bad CSV is refused with what is wrong",
          arguments: [("", "header row"), ("a,,b\n", "empty column"), ("a,a\n", "more than once"), ("a,b\n1\n", "Line 2"),
                      ("a\n\"x\n", "not closed"), ("a\n\"x\"y\n", "after a closing quote"), ("a\nx\"y\n", "unexpected quote")])
    func invalid(_ body: String, _ why: String) {
        #expect { try LookupTable(csv: body) } throws: { e in (e as? LookupTable.Invalid)?.message.contains(why) ?? false }
    }

    @Test("diff's periods: as long as the query's, ending earlier; a month back stays in the shorter month")
    func periods() {
        let start: Int64 = 1_796_119_200_000, end = start + 3_600_000  // 2026-12-01 10:00 UTC, one hour
        #expect(ComparisonPeriod.previous.shifted(start: start, end: end) == (start - 3_600_000, start))
        #expect(ComparisonPeriod.previousDay.shifted(start: start, end: end) == (start - 86_400_000, end - 86_400_000))
        #expect(ComparisonPeriod.previousWeek.shifted(start: start, end: end).start == start - 7 * 86_400_000)
        #expect(ComparisonPeriod.previousMonth.shifted(start: start, end: end) == (start - 30 * 86_400_000, end - 30 * 86_400_000))
        let march31: Int64 = 1_806_487_200_000  // 2027-03-31 10:00 UTC
        #expect(ComparisonPeriod.previousMonth.shifted(start: march31, end: march31 + 1).start == march31 - 31 * 86_400_000)
    }
}
