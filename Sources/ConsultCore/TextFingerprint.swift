/// The near-duplicate fingerprint of one text: the hash of its normalised words (equal for exact
/// duplicates after normalisation) and a MinHash signature of its word 3-shingles, whose share of
/// equal positions estimates the Jaccard similarity of two texts' shingle sets.
///
/// Normalisation: letters and digits only, lower-cased; everything else (punctuation, spacing,
/// line breaks) separates words. Why MinHash and not SimHash: see BENCHMARKS.md ("Campaigns").
public struct TextFingerprint: Sendable, Hashable {
    /// Signature length; the LSH index cuts it into ``NearDuplicateIndex/bands`` bands.
    public static let signatureLength = 64
    /// Words per shingle.
    public static let shingleWords = 3
    /// Texts with fewer normalised words are not fingerprinted: too short to tell a campaign from a
    /// common short answer ("No", "I agree with the proposal").
    public static let minimumWords = 8

    /// Hash of the normalised word sequence.
    public let exactHash: UInt64
    /// The MinHash values, ``signatureLength`` of them.
    public let signature: [UInt32]
    public let wordCount: Int

    public init(exactHash: UInt64, signature: [UInt32], wordCount: Int) {
        self.exactHash = exactHash
        self.signature = signature
        self.wordCount = wordCount
    }

    /// The fingerprint of `text`, or nil when it has fewer than ``minimumWords`` words.
    public init?(of text: String) {
        let words = Self.wordHashes(text)
        guard words.count >= Self.minimumWords else { return nil }
        var exact: UInt64 = 0xcbf2_9ce4_8422_2325
        for word in words { exact = Self.mix(exact ^ word) }
        var signature = [UInt32](repeating: .max, count: Self.signatureLength)
        let shingles = words.count - Self.shingleWords + 1
        Self.seeds.withUnsafeBufferPointer { seeds in
            signature.withUnsafeMutableBufferPointer { mins in
                for start in 0..<shingles {
                    var shingle: UInt64 = 0x9e37_79b9_7f4a_7c15
                    for offset in 0..<Self.shingleWords { shingle = Self.mix(shingle ^ words[start + offset]) }
                    for k in 0..<Self.signatureLength {
                        // A universal hash per position: the high 32 bits of a·x + b (mod 2^64).
                        let value = UInt32(truncatingIfNeeded: (shingle &* seeds[2 * k] &+ seeds[2 * k + 1]) >> 32)
                        if value < mins[k] { mins[k] = value }
                    }
                }
            }
        }
        self.init(exactHash: exact, signature: signature, wordCount: words.count)
    }

    /// The estimated Jaccard similarity of the two texts' shingle sets (1 for exact duplicates).
    public func similarity(to other: TextFingerprint) -> Double {
        if exactHash == other.exactHash { return 1 }
        var equal = 0
        for k in 0..<Self.signatureLength where signature[k] == other.signature[k] { equal += 1 }
        return Double(equal) / Double(Self.signatureLength)
    }

    /// The hashes of the normalised words of `text`, in order.
    public static func wordHashes(_ text: String) -> [UInt64] {
        var words: [UInt64] = []
        var hash: UInt64 = 0
        var inWord = false
        func end() {
            if inWord { words.append(mix(hash)) }
            inWord = false
            hash = 0xcbf2_9ce4_8422_2325
        }
        hash = 0xcbf2_9ce4_8422_2325
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                var byte = value
                if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
                if (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) {
                    hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
                    inWord = true
                } else {
                    end()
                }
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                for lower in scalar.properties.lowercaseMapping.unicodeScalars {
                    hash = (hash ^ UInt64(lower.value)) &* 0x100_0000_01b3
                }
                inWord = true
            } else {
                end()
            }
        }
        end()
        return words
    }

    /// A 64-bit finaliser (from SplitMix64): spreads every input bit over the output.
    @inline(__always) static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// The (odd multiplier, offset) pairs of the signature's hash functions, fixed forever: stored
    /// signatures stay comparable with new ones.
    static let seeds: [UInt64] = {
        var state: UInt64 = 2025
        return (0..<(2 * signatureLength)).map { index in
            state = mix(state)
            return index % 2 == 0 ? state | 1 : state
        }
    }()
}

extension TextFingerprint {
    /// The signature as stored: little-endian 32-bit values.
    public var signatureBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(signature.count * 4)
        for value in signature {
            bytes.append(UInt8(truncatingIfNeeded: value))
            bytes.append(UInt8(truncatingIfNeeded: value >> 8))
            bytes.append(UInt8(truncatingIfNeeded: value >> 16))
            bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        }
        return bytes
    }

    /// A fingerprint read back from ``signatureBytes``; nil if the bytes are not a signature.
    public init?(exactHash: UInt64, signatureBytes bytes: [UInt8], wordCount: Int) {
        guard bytes.count == Self.signatureLength * 4 else { return nil }
        var signature: [UInt32] = []
        signature.reserveCapacity(Self.signatureLength)
        for k in 0..<Self.signatureLength {
            var value: UInt32 = 0
            for byte in 0..<4 { value |= UInt32(bytes[4 * k + byte]) << UInt32(8 * byte) }
            signature.append(value)
        }
        self.init(exactHash: exactHash, signature: signature, wordCount: wordCount)
    }
}

/// SimHash of a text's word 3-shingles, kept to compare the two methods in the campaign benchmark.
public enum SimHash {
    /// The 64-bit SimHash of `text` (0 for a text without words).
    public static func of(_ text: String) -> UInt64 {
        let words = TextFingerprint.wordHashes(text)
        guard !words.isEmpty else { return 0 }
        var weights = [Int](repeating: 0, count: 64)
        let shingles = max(1, words.count - TextFingerprint.shingleWords + 1)
        for start in 0..<shingles {
            var shingle: UInt64 = 0x9e37_79b9_7f4a_7c15
            for offset in 0..<min(TextFingerprint.shingleWords, words.count - start) {
                shingle = TextFingerprint.mix(shingle ^ words[start + offset])
            }
            for bit in 0..<64 { weights[bit] += (shingle >> UInt64(bit)) & 1 == 1 ? 1 : -1 }
        }
        var hash: UInt64 = 0
        for bit in 0..<64 where weights[bit] > 0 { hash |= 1 << UInt64(bit) }
        return hash
    }

    /// The similarity SimHash estimates: the share of equal bits.
    public static func similarity(_ a: UInt64, _ b: UInt64) -> Double {
        1 - Double((a ^ b).nonzeroBitCount) / 64
    }
}
