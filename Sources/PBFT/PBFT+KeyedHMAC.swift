import ConsensusCore

extension PBFT {
    /// HMAC-SHA256 (RFC 2104) under a 32-byte key, with the key already absorbed: what the replicas'
    /// authenticators are made of (TOCS §3.2). A key is made once per pair of replicas; a code is made
    /// or checked for nearly every message, so `code` is the hot path.
    protocol HMACKey {
        init(key: Digest)
        /// The full 32-byte code of `bytes`.
        func code(_ bytes: UnsafeRawBufferPointer) -> Digest
    }

    /// The implementation the replicas use. Where swift-crypto is built on BoringSSL (Linux) its
    /// SHA-256 compression function is reachable and a code allocates nothing; elsewhere (CryptoKit)
    /// the portable one over swift-crypto's public `SHA256`. Both give the same codes: the tests hold
    /// every implementation this build compiles to `HMAC<SHA256>`.
    #if canImport(CCryptoBoringSSL)
    typealias KeyedHMAC = CompressionHMAC
    #else
    typealias KeyedHMAC = PortableHMAC
    #endif

    /// Every HMAC implementation this build compiles, the replicas' first. On Linux that is both:
    /// a test checks that, so an update of swift-crypto that hides BoringSSL fails a test instead of
    /// silently slowing every MAC.
    static var compiledHMACs: [any HMACKey.Type] {
        #if canImport(CCryptoBoringSSL)
        [CompressionHMAC.self, PortableHMAC.self]
        #else
        [PortableHMAC.self]
        #endif
    }

    /// The 64-byte key block XOR `pad` (0x36 for the inner hash, 0x5C for the outer; RFC 2104 §2).
    /// `key` is 32 bytes, shorter than the block, so it is zero-padded. A tuple, so it stays on the stack.
    @inline(__always)
    static func hmacKeyBlock(_ key: Digest, xor pad: UInt8) -> (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) {
        var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (key.w0.littleEndian, key.w1.littleEndian, key.w2.littleEndian, key.w3.littleEndian, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &block) { for i in 0 ..< 64 { $0[i] ^= pad } }
        return block
    }
}

extension PBFT.HMACKey {
    /// The code truncated to 128 bits: what authenticators carry.
    @inline(__always) func mac(_ bytes: UnsafeRawBufferPointer) -> PBFT.MAC {
        let full = code(bytes)
        return PBFT.MAC(high: full.w0, low: full.w1)
    }
}
