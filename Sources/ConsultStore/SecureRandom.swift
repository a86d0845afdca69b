#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Cryptographically secure random bytes for ids and tokens, taken from the kernel's generator
/// (`arc4random_buf`: `getrandom` on Linux) a block at a time rather than one system call for
/// every eight bytes, as `SystemRandomNumberGenerator` gives them. Each byte is handed out once.
enum SecureRandom {
    private static let blockSize = 4096
    private static let pool = Mutex(Pool())

    private struct Pool {
        var bytes = [UInt8](repeating: 0, count: SecureRandom.blockSize)
        /// The bytes before this index were handed out (and cleared).
        var used = SecureRandom.blockSize
    }

    /// `count` (at most 4,096) fresh random bytes.
    static func bytes(_ count: Int) -> [UInt8] {
        precondition((0...blockSize).contains(count))
        return pool.withLock { pool in
            if blockSize - pool.used < count {
                pool.bytes.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
                pool.used = 0
            }
            let range = pool.used..<pool.used + count
            let taken = Array(pool.bytes[range])
            // Nothing handed out stays behind in the pool.
            pool.bytes.replaceSubrange(range, with: repeatElement(0, count: count))
            pool.used += count
            return taken
        }
    }
}
