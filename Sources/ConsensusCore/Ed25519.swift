import Crypto
// swift-crypto's Ed25519 interface takes and returns Foundation byte types (`DataProtocol`, `Data`).
// This file is the only one that touches them, and only for signatures: the MAC and digest paths
// use `SHA256`'s byte-buffer interface and stay free of Foundation.
internal import FoundationEssentials

/// An Ed25519 signing key (swift-crypto's Curve25519.Signing), made from a 32-byte seed that a
/// protocol derives from the cluster's secret (PBFT's VIEW-CHANGE and `--auth sig`, HotStuff's votes).
public struct Ed25519Signer {
    private let key: Curve25519.Signing.PrivateKey

    public init(seed: SHA256Hash) {
        let raw = withUnsafeBytes(of: (seed.w0.littleEndian, seed.w1.littleEndian, seed.w2.littleEndian,
                                       seed.w3.littleEndian)) { [UInt8]($0) }
        do {
            key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        } catch {
            preconditionFailure("a 32-byte seed is a valid Ed25519 private key: \(error)")
        }
    }

    public func sign(_ bytes: UnsafeRawBufferPointer) -> Signature {
        do {
            return Signature(bytes: [UInt8](try key.signature(for: bytes)))
        } catch {
            preconditionFailure("Ed25519 signing failed: \(error)")
        }
    }

    public var verifier: Ed25519Verifier { Ed25519Verifier(key: key.publicKey) }
}

/// An Ed25519 public key.
public struct Ed25519Verifier {
    fileprivate let key: Curve25519.Signing.PublicKey

    public func isValid(_ signature: Signature, for bytes: UnsafeRawBufferPointer) -> Bool {
        key.isValidSignature(signature.bytes, for: bytes)
    }
}
