import Foundation
import Testing

@testable import ConsultStore

/// Tokens and ids (ingest performance, issue 19): the direct base64url writer and the
/// block-buffered random bytes keep the formats and the randomness they replaced.
@Suite struct SecretTests {
    @Test func base64URLIsFoundationsBase64WithTheURLAlphabetAndNoPadding() {
        var generator = SystemRandomNumberGenerator()
        for count in 0...100 {
            let bytes = Data((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
            let expected = bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Secret.base64URL(bytes) == expected, "\(count) bytes")
            // A slice starts at an index other than 0.
            let slice = bytes.dropFirst(min(count, 5))
            #expect(Secret.base64URL(slice) == Secret.base64URL(Data(slice)))
        }
        #expect(Secret.base64URL(Data([0xfb, 0xff, 0xbf])) == "-_-_")
    }

    @Test func tokensAndIdsKeepTheirFormatsAndNeverRepeat() {
        var seen: Set<String> = []
        // More than one 4 KiB block of random bytes, so that the block is refilled.
        for _ in 0..<300 {
            let token = Secret.newToken(), id = Secret.newID()
            #expect(token.utf8.count == 43)
            #expect(token.utf8.allSatisfy { $0 == 0x2d || $0 == 0x5f || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7a) })
            #expect(id.utf8.count == 32 && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
            #expect(seen.insert(token).inserted && seen.insert(id).inserted)
        }
    }

    @Test func randomBytesAreNotLeftInTheBlockAndSpreadOverEveryValue() {
        var counts = [Int](repeating: 0, count: 256)
        for _ in 0..<64 { for byte in SecureRandom.bytes(1024) { counts[Int(byte)] += 1 } }
        // 65,536 bytes: each value is expected 256 times; a value missing or five times too
        // common would mean the bytes are not drawn fresh.
        #expect(counts.allSatisfy { $0 > 100 && $0 < 1280 })
        #expect(SecureRandom.bytes(0).isEmpty)
    }
}
