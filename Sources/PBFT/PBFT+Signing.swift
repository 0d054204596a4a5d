import ConsensusCore
import Crypto
// swift-crypto's Ed25519 interface takes and returns Foundation byte types (`DataProtocol`, `Data`).
// This file is the only one that touches them, and only for signatures: the MAC and digest paths
// use `SHA256`'s byte-buffer interface and stay free of Foundation.
internal import FoundationEssentials

extension PBFT {
    /// An Ed25519 signing key (swift-crypto's Curve25519.Signing).
    struct Ed25519Signer {
        private let key: Curve25519.Signing.PrivateKey

        init(seed: Digest) {
            let raw = withUnsafeBytes(of: (seed.w0.littleEndian, seed.w1.littleEndian, seed.w2.littleEndian,
                                           seed.w3.littleEndian)) { [UInt8]($0) }
            do {
                key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
            } catch {
                preconditionFailure("a 32-byte seed is a valid Ed25519 private key: \(error)")
            }
        }

        func sign(_ bytes: UnsafeRawBufferPointer) -> Signature {
            do {
                return Signature(bytes: [UInt8](try key.signature(for: bytes)))
            } catch {
                preconditionFailure("Ed25519 signing failed: \(error)")
            }
        }

        var verifier: Ed25519Verifier { Ed25519Verifier(key: key.publicKey) }
    }

    /// An Ed25519 public key.
    struct Ed25519Verifier {
        fileprivate let key: Curve25519.Signing.PublicKey

        func isValid(_ signature: Signature, for bytes: UnsafeRawBufferPointer) -> Bool {
            key.isValidSignature(signature.bytes, for: bytes)
        }
    }
}
