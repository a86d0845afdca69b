/// The look-alike finder of one survey and scope: every fingerprinted text, indexed by LSH bands of
/// its MinHash signature and by its exact hash.
///
/// Clustering is single-link in order of arrival: a text joins the cluster of the earlier text it is
/// most similar to, if that similarity reaches the threshold; else it starts a cluster of its own
/// (which exists once a second text joins). Comparing with every earlier text, not only with a
/// cluster's first one, keeps the members of a heavily varied campaign together (measured: recall
/// 99 % instead of 75 % at the same precision; BENCHMARKS.md). The from-scratch rebuild and the
/// incremental worker use this one rule, so a rebuild of unchanged data gives the worker's clusters.
///
/// With ``bands`` bands of ``rowsPerBand`` rows, two texts of similarity s share at least one band
/// with probability 1 − (1 − s²)³²: 0.95 at s = 0.3, 0.87 at s = 0.25, 0.03 at s = 0.03.
public struct NearDuplicateIndex: Sendable {
    public static let bands = 32
    public static let rowsPerBand = TextFingerprint.signatureLength / bands
    /// The most recent texts looked at in one band's bucket: bounds the work of a text whose
    /// bands are common (boilerplate shared by many unrelated texts).
    public static let candidatesPerBucket = 32
    /// The most candidates compared signature by signature for one text.
    public static let verified = 24

    /// One match: the earlier text's id and the estimated similarity.
    public struct Match: Sendable, Hashable {
        public let nearest: Int64
        public let similarity: Double
    }

    private var ids: [Int64] = []
    private var signatures: [UInt32] = []
    private var exactHashes: [UInt64] = []
    private var alive: [Bool] = []
    private var positions: [Int64: Int32] = [:]
    private var bandTable = ChainedTable()
    private var exactTable = ChainedTable()
    /// The query that last looked at each text, so a text found in several bands is compared once.
    private var lastSeen: [UInt32] = []
    /// The bands each text shares with the current query.
    private var hits: [UInt8] = []
    private var query: UInt32 = 0

    public init() {}

    /// How many texts are indexed.
    public var count: Int { positions.count }

    public func contains(_ id: Int64) -> Bool { positions[id] != nil }

    /// Indexes `fingerprint` as text `id` (replacing an earlier one of that id).
    public mutating func add(_ id: Int64, _ fingerprint: TextFingerprint) {
        remove(id)
        let position = Int32(ids.count)
        ids.append(id)
        signatures.append(contentsOf: fingerprint.signature)
        exactHashes.append(fingerprint.exactHash)
        alive.append(true)
        lastSeen.append(0)
        hits.append(0)
        positions[id] = position
        for band in 0..<Self.bands {
            bandTable.insert(key: Self.bandKey(band, fingerprint.signature), value: position)
        }
        exactTable.insert(key: fingerprint.exactHash, value: position)
    }

    /// Takes text `id` out of the index (its entries stay, marked dead).
    public mutating func remove(_ id: Int64) {
        guard let position = positions.removeValue(forKey: id) else { return }
        alive[Int(position)] = false
    }

    /// The indexed text most similar to `fingerprint` with a similarity of at least `threshold`, if any:
    /// an exact duplicate first, else the best of the LSH candidates. The candidates sharing the most
    /// bands (at most ``verified`` of them) are compared signature by signature.
    public mutating func bestMatch(for fingerprint: TextFingerprint, threshold: Double) -> Match? {
        var exact: Match?
        exactTable.forEach(key: fingerprint.exactHash, limit: Self.candidatesPerBucket) { position in
            guard exact == nil, alive[Int(position)], exactHashes[Int(position)] == fingerprint.exactHash else { return }
            exact = Match(nearest: ids[Int(position)], similarity: 1)
        }
        if let exact { return exact }
        query &+= 1
        if query == 0 {
            for index in lastSeen.indices { lastSeen[index] = 0 }
            query = 1
        }
        // Candidates with the number of bands they share.
        var candidates: [Int32] = []
        for band in 0..<Self.bands {
            bandTable.forEach(key: Self.bandKey(band, fingerprint.signature), limit: Self.candidatesPerBucket) { position in
                let index = Int(position)
                guard alive[index] else { return }
                if lastSeen[index] == query {
                    hits[index] &+= 1
                } else {
                    lastSeen[index] = query
                    hits[index] = 1
                    candidates.append(position)
                }
            }
        }
        guard !candidates.isEmpty else { return nil }
        if candidates.count > Self.verified {
            candidates.sort { hits[Int($0)] > hits[Int($1)] || (hits[Int($0)] == hits[Int($1)] && $0 < $1) }
            candidates.removeLast(candidates.count - Self.verified)
        }
        var best: (position: Int32, equal: Int)?
        let needed = Int((threshold * Double(TextFingerprint.signatureLength)).rounded(.up))
        for candidate in candidates {
            let equal = equalValues(at: Int(candidate), fingerprint.signature)
            // Ties go to the earlier text, as in a rebuild.
            if equal >= needed, equal > best?.equal ?? -1 || (equal == best?.equal && candidate < best!.position) {
                best = (candidate, equal)
            }
        }
        guard let best else { return nil }
        return Match(nearest: ids[Int(best.position)], similarity: Double(best.equal) / Double(TextFingerprint.signatureLength))
    }

    /// How many signature values of the text at `position` equal `signature`'s.
    private func equalValues(at position: Int, _ signature: [UInt32]) -> Int {
        signatures.withUnsafeBufferPointer { all in
            signature.withUnsafeBufferPointer { own in
                Self.equalValues(all, position * TextFingerprint.signatureLength, own, 0)
            }
        }
    }

    /// How many of the signature values starting at `a[first]` and `b[second]` are equal, compared 16 at a time.
    @inline(__always)
    static func equalValues(_ a: UnsafeBufferPointer<UInt32>, _ first: Int, _ b: UnsafeBufferPointer<UInt32>, _ second: Int) -> Int {
        var equal = SIMD16<UInt32>()
        let left = UnsafeRawPointer(a.baseAddress! + first)
        let right = UnsafeRawPointer(b.baseAddress! + second)
        for block in stride(from: 0, to: TextFingerprint.signatureLength, by: 16) {
            let x = left.loadUnaligned(fromByteOffset: block * 4, as: SIMD16<UInt32>.self)
            let y = right.loadUnaligned(fromByteOffset: block * 4, as: SIMD16<UInt32>.self)
            equal &+= SIMD16<UInt32>(repeating: 0).replacing(with: 1, where: x .== y)
        }
        return Int(equal.wrappedSum())
    }

    static func bandKey(_ band: Int, _ signature: [UInt32]) -> UInt64 {
        signature.withUnsafeBufferPointer { bandKey(band, $0, at: 0) }
    }

    /// The key of band `band` of the signature starting at `signatures[start]`.
    @inline(__always)
    static func bandKey(_ band: Int, _ signatures: UnsafeBufferPointer<UInt32>, at start: Int) -> UInt64 {
        let first = start + band * rowsPerBand
        var key = TextFingerprint.mix(UInt64(band) &+ 0x5bd1_e995)
        for row in 0..<rowsPerBand { key = TextFingerprint.mix(key ^ UInt64(signatures[first + row])) }
        return key
    }
}

/// A hash table from 64-bit keys to chains of values, newest first: open addressing for the chain
/// heads, flat arrays for the chains (no allocation per entry).
struct ChainedTable: Sendable {
    private var keys: [UInt64] = []
    private var heads: [Int32] = []
    private var used = 0
    private var values: [Int32] = []
    private var next: [Int32] = []

    mutating func insert(key: UInt64, value: Int32) {
        if (used + 1) * 4 > keys.count * 3 { grow() }
        let key = key == 0 ? 1 : key
        let slot = find(key)
        values.append(value)
        if keys[slot] == key {
            next.append(heads[slot])
        } else {
            keys[slot] = key
            next.append(-1)
            used += 1
        }
        heads[slot] = Int32(values.count - 1)
    }

    /// Calls `body` with the values of `key`, newest first, at most `limit` of them.
    func forEach(key: UInt64, limit: Int, _ body: (Int32) -> Void) {
        guard !keys.isEmpty else { return }
        let key = key == 0 ? 1 : key
        let slot = find(key)
        guard keys[slot] == key else { return }
        var entry = heads[slot]
        var seen = 0
        while entry >= 0 && seen < limit {
            body(values[Int(entry)])
            entry = next[Int(entry)]
            seen += 1
        }
    }

    /// The slot holding `key`, or the empty slot where it would go.
    private func find(_ key: UInt64) -> Int {
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: key) & mask
        while keys[slot] != 0 && keys[slot] != key { slot = (slot + 1) & mask }
        return slot
    }

    private mutating func grow() {
        let oldKeys = keys, oldHeads = heads
        let capacity = max(1024, keys.count * 2)
        keys = [UInt64](repeating: 0, count: capacity)
        heads = [Int32](repeating: -1, count: capacity)
        for (slot, key) in oldKeys.enumerated() where key != 0 {
            let target = find(key)
            keys[target] = key
            heads[target] = oldHeads[slot]
        }
    }
}
