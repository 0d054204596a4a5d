import ConsensusCore
import Testing

/// The writer keeps its bytes in a zero-filled array that only grows and a count of what was written;
/// these rules are what every codec relies on.
@Suite("Wire writer")
struct WireWriterTests {
    @Test("fields are little-endian and back to back, whatever their width")
    func littleEndianFields() {
        var w = WireWriter(capacity: 0)
        w.write(UInt8(0xAB))
        w.write(UInt16(0x0102))
        w.write(Int32(-2))
        w.write(UInt64(0x0807_0605_0403_0201))
        w.write(true)
        #expect(Array(w.bytes) == [0xAB, 0x02, 0x01, 0xFE, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4, 5, 6, 7, 8, 1])
        #expect(w.count == 16)
    }

    @Test("a writer grows past its capacity and keeps what it wrote")
    func growsPastCapacity() throws {
        var w = WireWriter(capacity: 16)
        for k in 0 ..< 1000 { w.write(UInt32(k)) }
        #expect(w.count == 4000)
        var r = WireReader(w)
        for k in 0 ..< 1000 { #expect(try r.read(UInt32.self) == UInt32(k)) }
        #expect(r.remaining == 0)
    }

    @Test("one write larger than twice the storage grows it at once, and zeros written past it are zeros")
    func growsByOneLargeWrite() {
        var w = WireWriter(capacity: 16)
        w.write(UInt8(1))
        w.write(bytes: [UInt8](repeating: 0xEE, count: 10_000))
        w.writeZeros(5_000)
        w.write(UInt8(2))
        let bytes = Array(w.bytes)
        #expect(bytes.count == 15_002)
        #expect(bytes[0] == 1 && bytes[1 ... 10_000].allSatisfy { $0 == 0xEE })
        #expect(bytes[10_001 ..< 15_001].allSatisfy { $0 == 0 } && bytes[15_001] == 2)
    }

    @Test("after clear, zeros and copied bytes overwrite what an earlier use left")
    func clearedWriterReusesStorage() {
        var w = WireWriter(capacity: 16)
        w.write(UInt64.max)
        w.write(UInt64.max)
        w.clear()
        #expect(w.isEmpty && w.bytes.isEmpty)
        w.writeZeros(3)
        w.write(bytes: [7, 8])
        w.write(bytes: [1, 2, 3, 4][2...])
        #expect(Array(w.bytes) == [0, 0, 0, 7, 8, 3, 4])
    }

    @Test("a length patched in after its body is written in place, little-endian")
    func patchedLength() {
        var w = WireWriter()
        w.write(UInt8(9))
        w.write(UInt32(0))
        w.write(bytes: [5, 5, 5])
        w.patch(3, at: 1)
        #expect(Array(w.bytes) == [9, 3, 0, 0, 0, 5, 5, 5])
    }

    @Test("a copy taken before more writes keeps its bytes (value semantics)")
    func copiesAreValues() {
        var w = WireWriter(capacity: 16)
        w.write(UInt16(1))
        let kept = w
        let keptBytes = w.bytes
        w.clear()
        w.write(UInt16(2))
        #expect(Array(kept.bytes) == [1, 0] && Array(keptBytes) == [1, 0] && Array(w.bytes) == [2, 0])
    }

    @Test("a reader over a writer reads only what was written, not the storage beyond it")
    func readerStopsAtCount() throws {
        var w = WireWriter(capacity: 64)
        w.write(UInt16(0xBEEF))
        var r = WireReader(w)
        #expect(r.remaining == 2)
        #expect(try r.read(UInt16.self) == 0xBEEF)
        #expect(throws: WireError.truncated(needed: 1, available: 0)) { _ = try r.readByte() }
    }
}
