// The few libm functions the report needs, behind names that do not depend on which C library
// module the platform offers.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func logE(_ x: Double) -> Double { log(x) }
@inline(__always) func expE(_ x: Double) -> Double { exp(x) }
@inline(__always) func log10Of(_ x: Double) -> Double { log10(x) }
@inline(__always) func power(_ base: Double, _ exponent: Double) -> Double { pow(base, exponent) }
