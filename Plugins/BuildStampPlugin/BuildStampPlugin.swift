import Foundation
import PackagePlugin

/// Writes `BuildStamp.swift` into the target it is applied to: the git commit the package was built
/// from and whether tracked files differed from it, so that manifest.json can say what built the
/// binary wherever the binary runs (outside its checkout too).
///
/// A build command, not a prebuild command: SwiftPM runs prebuild commands only when it reloads the
/// package graph, not on every build as documented (swiftlang/swift-package-manager#5476), so a
/// prebuilt stamp keeps the commit of the first build. A build command runs again whenever one of its
/// inputs changes: git's `HEAD`, `index` and HEAD reflog (a commit, checkout, reset or staging touches
/// one of them) and every source file of the package (an edit can change the dirty flag, and is what
/// changes the binary). It rewrites the file only when its text changes, so the same commit recompiles
/// nothing. It runs `/bin/sh` and `git` as found on PATH; without git, or outside a git checkout (a
/// source archive), it writes "unknown" and the build goes on. (Deleting `.git` from a folder already
/// built leaves SwiftPM's cached plan naming git files that are gone: `swift package clean`.)
@main
struct BuildStampPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let work = context.pluginWorkDirectoryURL
        let output = work.appendingPathComponent("BuildStamp.swift")
        let scratch = work.appendingPathComponent("BuildStamp.swift.new")
        let package = context.package.directoryURL
        var inputs = context.package.targets.flatMap { ($0 as? SourceModuleTarget)?.sourceFiles.map(\.url) ?? [] }
        if let git = Self.gitDirectory(above: package) {
            inputs += ["HEAD", "index", "logs/HEAD"].map { git.appendingPathComponent($0) }
                .filter { FileManager.default.fileExists(atPath: $0.path) }
        }
        return [
            .buildCommand(
                displayName: "Stamping \(target.name) with its git commit",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", Self.script, "stamp", package.path, output.path, scratch.path],
                environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LC_ALL": "C"],
                inputFiles: inputs,
                outputFiles: [output]),
        ]
    }

    /// The git directory of the checkout holding `folder`: `.git` in it or in a folder above it, or
    /// where a `.git` file points (a worktree or a submodule). Nil outside a checkout.
    static func gitDirectory(above folder: URL) -> URL? {
        var folder = folder.standardizedFileURL
        while true {
            let dotGit = folder.appendingPathComponent(".git")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dotGit.path, isDirectory: &isDirectory) {
                if isDirectory.boolValue { return dotGit }
                guard let text = try? String(contentsOf: dotGit, encoding: .utf8), text.hasPrefix("gitdir:") else { return nil }
                let path = text.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespacesAndNewlines)
                return path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
    }

    /// $1: the package's folder; $2: the Swift file to write; $3: a scratch file beside it.
    /// `--no-optional-locks`: a status never writes to .git (that would change this command's inputs).
    static let script = #"""
    set -u
    repo=$1 out=$2 new=$3
    commit=unknown dirty=unknown
    if command -v git >/dev/null 2>&1 && head=$(git -C "$repo" rev-parse --verify --quiet HEAD 2>/dev/null); then
        commit=$head
        if status=$(git -C "$repo" --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null); then
            if [ -z "$status" ]; then dirty=false; else dirty=true; fi
        fi
    fi
    cat > "$new" <<SWIFT || exit 1
    // Generated at build time by Plugins/BuildStampPlugin; not in the source tree.

    /// What the binary was built from, as git saw the package's folder at build time.
    enum BuildStamp {
        /// \`git rev-parse HEAD\`, or "unknown" (no git, or not a git checkout).
        static let gitCommit = "$commit"
        /// Whether tracked files differed from that commit: "true", "false" or "unknown".
        static let gitDirty = "$dirty"
    }
    SWIFT
    if cmp -s "$new" "$out"; then rm -f "$new"; else mv -f "$new" "$out"; fi
    """#
}
