// Only where swift-crypto is built on BoringSSL (Linux); `PBFT.KeyedHMAC` says which implementation
// the replicas use, and the tests check every one this build compiles.
#if canImport(CCryptoBoringSSL)
import CCryptoBoringSSL
import ConsensusCore

extension PBFT {
    /// HMAC-SHA256 on SHA-256's compression function: the key is kept as the SHA-256 chaining values
    /// after the key block XOR ipad and XOR opad. A code starts from copies of them, so the pads are
    /// never hashed again; a block of up to 55 bytes then costs two calls of the compression function.
    ///
    /// The compression function is BoringSSL's own `SHA256_TransformBlocks` ("for implementing a
    /// derivative of SHA-256"), reached through the module swift-crypto vendors, and the padding
    /// (FIPS 180-4 §5.1.1) is done here: a key is 64 bytes and a code allocates nothing.
    /// swift-crypto's `SHA256` keeps its state in a heap object, so every copy that is updated
    /// allocates (`PortableHMAC`); with one MAC made and one checked per message, that was most of the
    /// cost of MACs at PBFT n = 100 (see the README's speed section).
    struct CompressionHMAC: HMACKey {
        typealias ChainingValue = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
        private var inner: ChainingValue
        private var outer: ChainingValue

        init(key: Digest) {
            inner = Self.initialValue
            outer = Self.initialValue
            withUnsafeBytes(of: PBFT.hmacKeyBlock(key, xor: 0x36)) { Self.compress(&inner, $0, blocks: 1) }
            withUnsafeBytes(of: PBFT.hmacKeyBlock(key, xor: 0x5C)) { Self.compress(&outer, $0, blocks: 1) }
        }

        func code(_ bytes: UnsafeRawBufferPointer) -> Digest {
            // Inner hash: the key block is done; the message's whole blocks, then its tail with the padding
            // (0x80, zeros, the bit length of key block + message) in one block or two.
            var state = inner
            let whole = bytes.count / 64
            if whole > 0 { Self.compress(&state, UnsafeRawBufferPointer(rebasing: bytes[0 ..< whole * 64]), blocks: whole) }
            let rest = bytes.count - whole * 64
            var tail: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                       UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &tail) { block in
                if rest > 0 { block.baseAddress!.copyMemory(from: bytes.baseAddress! + whole * 64, byteCount: rest) }
                block[rest] = 0x80
                let blocks = rest <= 55 ? 1 : 2
                block.storeBytes(of: (UInt64(64 + bytes.count) * 8).bigEndian, toByteOffset: blocks * 64 - 8, as: UInt64.self)
                Self.compress(&state, UnsafeRawBufferPointer(block), blocks: blocks)
            }
            // Outer hash: the key block is done; the inner digest and its padding fill one block.
            var last: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &last) { block in
                Self.storeDigest(state, into: block)
                block[32] = 0x80
                block.storeBytes(of: UInt64((64 + 32) * 8).bigEndian, toByteOffset: 56, as: UInt64.self)
                state = outer
                Self.compress(&state, UnsafeRawBufferPointer(block), blocks: 1)
                Self.storeDigest(state, into: block)
            }
            return withUnsafeBytes(of: last) { Digest(loading: $0) }
        }

        /// SHA-256's H(0) (FIPS 180-4 §5.3.3).
        static let initialValue: ChainingValue = (0x6A09_E667, 0xBB67_AE85, 0x3C6E_F372, 0xA54F_F53A,
                                                  0x510E_527F, 0x9B05_688C, 0x1F83_D9AB, 0x5BE0_CD19)

        @inline(__always)
        static func compress(_ state: inout ChainingValue, _ data: UnsafeRawBufferPointer, blocks: Int) {
            withUnsafeMutableBytes(of: &state) { words in
                CCryptoBoringSSL_SHA256_TransformBlocks(words.baseAddress!.assumingMemoryBound(to: UInt32.self),
                                                        data.baseAddress!.assumingMemoryBound(to: UInt8.self), blocks)
            }
        }

        /// The digest is the chaining value's words, big-endian, into the first 32 bytes of `block`.
        @inline(__always)
        static func storeDigest(_ state: ChainingValue, into block: UnsafeMutableRawBufferPointer) {
            withUnsafeBytes(of: state) { words in
                for k in 0 ..< 8 {
                    block.storeBytes(of: words.load(fromByteOffset: 4 * k, as: UInt32.self).bigEndian,
                                     toByteOffset: 4 * k, as: UInt32.self)
                }
            }
        }
    }
}
#endif
