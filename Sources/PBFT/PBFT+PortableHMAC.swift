import ConsensusCore
import Crypto

extension PBFT {
    /// HMAC-SHA256 over swift-crypto's public `SHA256` only: the key pads are absorbed once into two
    /// hash states, and a code continues copies of them. Compiles wherever swift-crypto does (CryptoKit
    /// included). swift-crypto's `SHA256` keeps its state in a heap object, so each copy that is updated
    /// allocates: about two allocations per code, which `CompressionHMAC` avoids where it can be built.
    struct PortableHMAC: HMACKey {
        private var inner = SHA256()
        private var outer = SHA256()

        init(key: Digest) {
            withUnsafeBytes(of: PBFT.hmacKeyBlock(key, xor: 0x36)) { inner.update(bufferPointer: $0) }
            withUnsafeBytes(of: PBFT.hmacKeyBlock(key, xor: 0x5C)) { outer.update(bufferPointer: $0) }
        }

        func code(_ bytes: UnsafeRawBufferPointer) -> Digest {
            var i = inner
            i.update(bufferPointer: bytes)
            var o = outer
            i.finalize().withUnsafeBytes { o.update(bufferPointer: $0) }
            return o.finalize().withUnsafeBytes { Digest(loading: $0) }
        }
    }
}
