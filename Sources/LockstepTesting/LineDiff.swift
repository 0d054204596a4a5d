// The smallest line diff between an expected and an actual output (longest common subsequence),
// printed as `-expected` / `+actual` lines around the shared ones: what a reader needs to see which
// step of a scenario changed.

/// `-` lines only in `expected`, `+` lines only in `actual`, `␣` lines in both, in order.
public func lineDiff(expected: [String], actual: [String]) -> [String] {
    let n = expected.count, m = actual.count
    // common[i][j]: length of the longest common subsequence of expected[i...] and actual[j...].
    var common = Array(repeating: Array(repeating: 0, count: m + 1), count: n + 1)
    if n > 0 && m > 0 {
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                common[i][j] = expected[i] == actual[j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
            }
        }
    }
    var out: [String] = []
    var i = 0, j = 0
    while i < n || j < m {
        if i < n, j < m, expected[i] == actual[j] {
            out.append("  " + expected[i])
            i += 1
            j += 1
        } else if i < n, j == m || common[i + 1][j] >= common[i][j + 1] {
            out.append("- " + expected[i])
            i += 1
        } else {
            out.append("+ " + actual[j])
            j += 1
        }
    }
    return out
}
