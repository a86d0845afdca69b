import Dispatch

/// Finds, for every text of one scope at once, the match ``NearDuplicateIndex/bestMatch(for:threshold:)``
/// would have returned when that text arrived — the same rule, computed for a from-scratch rebuild
/// on every core and with memory read in order.
///
/// Why it gives the same answers: when text `i` arrived, a band's bucket held the earlier texts
/// with that band's key, and the index looked at the newest ``NearDuplicateIndex/candidatesPerBucket``
/// of them. Here each band's texts are sorted by (key, arrival), so those are the entries just before
/// `i`'s own in the sorted band: one contiguous read per band instead of a chain of random accesses
/// through one index holding every text. The exact-duplicate rule (the newest earlier text with the
/// same normalised words) and the choice among candidates (those sharing the most bands, then the
/// earliest; then the most equal signature values, then the earliest) are the index's.
public struct NearDuplicateBatch: Sendable {
    /// The nearest earlier text of each text, by position in arrival order; nil where none reached
    /// the threshold.
    public let nearest: [Match?]

    /// One text's nearest earlier text (its position) and the estimated similarity.
    public struct Match: Sendable, Hashable {
        public let position: Int
        public let similarity: Double
    }

    /// Clusters `prints`, given in order of arrival, at `threshold`. The texts are cut into 16 pieces
    /// for each of `parts` (the cores to use), which Dispatch runs on its threads; the bands are sorted
    /// in parallel too. The result does not depend on `parts`.
    public init(_ prints: [TextFingerprint], threshold: Double, parts: Int = 1) {
        let count = prints.count
        guard count > 0 else { nearest = []; return }
        precondition(count < Int(Int32.max), "too many texts for one batch")
        let length = TextFingerprint.signatureLength
        var signatures = [UInt32](repeating: 0, count: count * length)
        signatures.withUnsafeMutableBufferPointer { flat in
            for (position, print) in prints.enumerated() {
                for k in 0..<length { flat[position * length + k] = print.signature[k] }
            }
        }
        let exactEarlier = Self.newestEarlierDuplicate(prints)
        let bands = BandOrder(signatures: signatures, count: count)
        let needed = Int((threshold * Double(length)).rounded(.up))
        let results = ResultBuffer<Match>(count: count)
        let chunks = max(1, min(count / 4096 + 1, parts * 16))
        let chunkSize = (count + chunks - 1) / chunks
        signatures.withUnsafeBufferPointer { flat in
            let flat = UnsafeSendable(flat)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                var scratch = CandidateScratch()
                let range = (chunk * chunkSize)..<min(count, (chunk + 1) * chunkSize)
                for position in range {
                    if let earlier = exactEarlier[position] {
                        results.store(Match(position: Int(earlier), similarity: 1), at: position)
                    } else {
                        let found = scratch.bestMatch(
                            of: position, bands: bands, signatures: flat.value, needed: needed)
                        results.store(found.map { Match(position: $0.position, similarity: Double($0.equal) / Double(length)) },
                                      at: position)
                    }
                }
            }
        }
        nearest = results.take()
    }

    /// For each text, the newest earlier text with the same exact hash, if any.
    static func newestEarlierDuplicate(_ prints: [TextFingerprint]) -> [Int32?] {
        var newest: [UInt64: Int32] = [:]
        newest.reserveCapacity(prints.count)
        var earlier = [Int32?](repeating: nil, count: prints.count)
        for (position, print) in prints.enumerated() {
            earlier[position] = newest.updateValue(Int32(position), forKey: print.exactHash)
        }
        return earlier
    }
}

/// Each band's texts sorted by (band key, arrival), all bands in one allocation: `order` holds
/// positions, band after band, the top bit set on the first of a run of equal keys; `rank` says
/// where each text sits in its band's run of `order`.
final class BandOrder: @unchecked Sendable {
    static let groupStart: UInt32 = 1 << 31
    let count: Int
    let order: UnsafeMutableBufferPointer<UInt32>
    let rank: UnsafeMutableBufferPointer<UInt32>

    init(signatures: [UInt32], count: Int) {
        let bands = NearDuplicateIndex.bands
        self.count = count
        order = .allocate(capacity: count * bands)
        rank = .allocate(capacity: count * bands)
        signatures.withUnsafeBufferPointer { flat in
            let flat = UnsafeSendable(flat)
            DispatchQueue.concurrentPerform(iterations: bands) { band in
                var entries = [(key: UInt64, position: UInt32)]()
                entries.reserveCapacity(count)
                for position in 0..<count {
                    let key = NearDuplicateIndex.bandKey(band, flat.value, at: position * TextFingerprint.signatureLength)
                    entries.append((key, UInt32(position)))
                }
                entries.sort { $0.key < $1.key || ($0.key == $1.key && $0.position < $1.position) }
                let base = band * count
                for (index, entry) in entries.enumerated() {
                    let first = index == 0 || entries[index - 1].key != entry.key
                    order[base + index] = entry.position | (first ? Self.groupStart : 0)
                    rank[base + Int(entry.position)] = UInt32(index)
                }
            }
        }
    }

    deinit {
        order.deallocate()
        rank.deallocate()
    }
}

/// One thread's working memory for choosing a text's candidates: a small hash table from position
/// to the candidate's place in `candidates`, cleared by stamping rather than by writing.
struct CandidateScratch {
    /// Twice the most candidates one text can have (bands × entries per bucket).
    private static let slots = 2048
    private var keys = [Int32](repeating: -1, count: slots)
    private var places = [Int16](repeating: 0, count: slots)
    private var stamps = [UInt32](repeating: 0, count: slots)
    private var stamp: UInt32 = 0
    private var candidates: [(position: Int32, hits: UInt8)] = []

    mutating func bestMatch(
        of position: Int, bands: BandOrder, signatures: UnsafeBufferPointer<UInt32>, needed: Int
    ) -> (position: Int, equal: Int)? {
        stamp &+= 1
        if stamp == 0 {
            for slot in stamps.indices { stamps[slot] = 0 }
            stamp = 1
        }
        candidates.removeAll(keepingCapacity: true)
        let order = bands.order, rank = bands.rank
        for band in 0..<NearDuplicateIndex.bands {
            let base = band * bands.count
            var index = base + Int(rank[base + position])
            var seen = 0
            // The entries before this text's own in its run: the newest earlier texts of its bucket.
            while seen < NearDuplicateIndex.candidatesPerBucket, order[index] & BandOrder.groupStart == 0 {
                index -= 1
                count(Int32(bitPattern: order[index] & ~BandOrder.groupStart))
                seen += 1
            }
        }
        guard !candidates.isEmpty else { return nil }
        if candidates.count > NearDuplicateIndex.verified { keepMostShared(NearDuplicateIndex.verified) }
        let length = TextFingerprint.signatureLength
        var best: (position: Int, equal: Int)?
        for candidate in candidates {
            let other = Int(candidate.position)
            let equal = NearDuplicateIndex.equalValues(signatures, other * length, signatures, position * length)
            if equal >= needed, equal > best?.equal ?? -1 || (equal == best?.equal && other < best!.position) {
                best = (other, equal)
            }
        }
        return best
    }

    /// Keeps the `limit` candidates the index would verify: those sharing the most bands, the earliest
    /// first among equals (the index sorts them; here a count of each number of bands shared finds the
    /// cut, and only the texts at the cut are ordered, by selection).
    private mutating func keepMostShared(_ limit: Int) {
        var atLeast = [Int](repeating: 0, count: NearDuplicateIndex.bands + 2)
        for candidate in candidates { atLeast[Int(candidate.hits)] += 1 }
        var cut = NearDuplicateIndex.bands
        var above = 0
        while above + atLeast[cut] < limit {
            above += atLeast[cut]
            cut -= 1
        }
        var kept = candidates.filter { Int($0.hits) > cut }
        var tied = candidates.compactMap { Int($0.hits) == cut ? $0.position : nil }
        Self.keepSmallest(limit - above, of: &tied)
        kept.append(contentsOf: tied.map { (position: $0, hits: UInt8(cut)) })
        candidates = kept
    }

    /// Leaves the `count` smallest values of `values` in its first places (quickselect), and drops the rest.
    static func keepSmallest(_ count: Int, of values: inout [Int32]) {
        guard values.count > count else { return }
        var low = 0, high = values.count - 1
        while low < high {
            let pivot = values[(low + high) / 2]
            var i = low, j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if count - 1 <= j { high = j } else if count - 1 >= i { low = i } else { break }
        }
        values.removeLast(values.count - count)
    }

    /// Counts one more shared band for `candidate`.
    private mutating func count(_ candidate: Int32) {
        let mask = Self.slots - 1
        var slot = Int(truncatingIfNeeded: (UInt64(UInt32(bitPattern: candidate)) &* 0x9e37_79b9_7f4a_7c15) >> 40) & mask
        while stamps[slot] == stamp {
            if keys[slot] == candidate {
                candidates[Int(places[slot])].hits &+= 1
                return
            }
            slot = (slot + 1) & mask
        }
        stamps[slot] = stamp
        keys[slot] = candidate
        places[slot] = Int16(candidates.count)
        candidates.append((candidate, 1))
    }
}

/// Results written by many threads, each to its own indexes.
final class ResultBuffer<Element>: @unchecked Sendable {
    private var storage: UnsafeMutableBufferPointer<Element?>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }

    func store(_ value: Element?, at index: Int) { storage[index] = value }

    func take() -> [Element?] { Array(storage) }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }
}

/// A read-only buffer handed to worker threads.
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
