import Crypto
import Foundation
import Testing

/// manifest.json names the binary that made a run, wherever the binary runs.
@Suite("manifest.json identifies the binary")
struct ManifestTests {
    /// The package's folder: three levels above this file (Tests/CLITests/ManifestTests.swift).
    static let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    @Test("the manifest carries the executable's SHA-256 and the commit it was built from, even when run outside the checkout")
    func manifestIdentifiesTheBinary() throws {
        let dir = CLIRunner.temporaryDirectory("manifest")
        // Started from a folder outside any checkout: what the manifest says must not depend on the working directory.
        let outcome = try CLIRunner.run(["run", "--nodes", "3", "--ops", "50", "--no-check", "--out", dir],
                                        workingDirectory: NSTemporaryDirectory())
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let data = try #require(FileManager.default.contents(atPath: dir + "/manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])

        let sha = try #require(manifest["binary_sha256"] as? String)
        #expect(sha.count == 64 && sha.allSatisfy { "0123456789abcdef".contains($0) }, "binary_sha256 '\(sha)'")
        let executable = try #require(FileManager.default.contents(atPath: CLIRunner.executable))
        let expected = SHA256.hash(data: executable).map { String(format: "%02x", $0) }.joined()
        #expect(sha == expected, "binary_sha256 is not the SHA-256 of \(CLIRunner.executable)")

        let commit = try #require(manifest["git_commit"] as? String)
        let dirty = manifest["git_dirty"]
        #expect(dirty is Bool || dirty as? String == "unknown", "git_dirty \(String(describing: dirty))")
        if let head = Self.git(["rev-parse", "HEAD"]) {
            // Built in this checkout (the tests are); if HEAD moved since the last build, build again.
            #expect(commit == head, "git_commit \(commit), HEAD \(head): rebuild after committing")
            #expect(dirty is Bool)
        } else {
            #expect(commit == "unknown" || commit.count == 40)
        }
    }

    /// `git -C <package> …`'s output, or nil without git or outside a checkout.
    static func git(_ arguments: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", packageDirectory] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        p.waitUntilExit()
        return p.terminationStatus == 0 && !text.isEmpty ? text : nil
    }
}
