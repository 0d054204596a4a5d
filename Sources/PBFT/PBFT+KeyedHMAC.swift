import ConsensusCore
import Crypto
#if canImport(CCryptoBoringSSL)
import CCryptoBoringSSL
#endif

extension PBFT {
    /// HMAC-SHA256 (RFC 2104) with the key already absorbed: the SHA-256 chaining values after the
    /// key block XOR ipad and XOR opad. A code starts from copies of them, so the pads are never hashed
    /// again; a block of up to 55 bytes then costs two calls of the compression function.
    ///
    /// Where swift-crypto is built on BoringSSL (Linux), the compression function is BoringSSL's own
    /// `SHA256_TransformBlocks` ("for implementing a derivative of SHA-256"), reached through the module
    /// swift-crypto vendors, and the padding (FIPS 180-4 §5.1.1) is done here: a key is 64 bytes and a
    /// code allocates nothing. swift-crypto's `SHA256` keeps its state in a heap object, so every copy
    /// that is updated allocates; with one MAC made and one checked per message, that was most of the
    /// cost of MACs at PBFT n = 100 (see the README's speed section). Elsewhere (CryptoKit) `SHA256` is
    /// used as it is.
    struct KeyedHMAC {
        #if canImport(CCryptoBoringSSL)
        typealias ChainingValue = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
        private var inner: ChainingValue
        private var outer: ChainingValue
        #else
        private var inner = SHA256()
        private var outer = SHA256()
        #endif

        /// `key` is 32 bytes (a SHA-256 digest), shorter than the 64-byte block, so it is zero-padded.
        init(key: Digest) {
            var pad: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
                (key.w0.littleEndian, key.w1.littleEndian, key.w2.littleEndian, key.w3.littleEndian, 0, 0, 0, 0)
            func xor(_ byte: UInt8) {
                withUnsafeMutableBytes(of: &pad) { for i in 0 ..< 64 { $0[i] ^= byte } }
            }
            #if canImport(CCryptoBoringSSL)
            inner = Self.initialValue
            outer = Self.initialValue
            xor(0x36)
            withUnsafeBytes(of: pad) { Self.compress(&inner, $0, blocks: 1) }
            xor(0x36 ^ 0x5C)
            withUnsafeBytes(of: pad) { Self.compress(&outer, $0, blocks: 1) }
            #else
            xor(0x36)
            withUnsafeBytes(of: pad) { inner.update(bufferPointer: $0) }
            xor(0x36 ^ 0x5C)
            withUnsafeBytes(of: pad) { outer.update(bufferPointer: $0) }
            #endif
        }

        /// The full 32-byte code.
        func code(_ bytes: UnsafeRawBufferPointer) -> Digest {
            #if canImport(CCryptoBoringSSL)
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
            #else
            var i = inner
            i.update(bufferPointer: bytes)
            var o = outer
            i.finalize().withUnsafeBytes { o.update(bufferPointer: $0) }
            return o.finalize().withUnsafeBytes { Digest(loading: $0) }
            #endif
        }

        /// The code truncated to 128 bits: what authenticators carry.
        @inline(__always) func mac(_ bytes: UnsafeRawBufferPointer) -> MAC {
            let full = code(bytes)
            return MAC(high: full.w0, low: full.w1)
        }

        #if canImport(CCryptoBoringSSL)
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
        #endif
    }
}
