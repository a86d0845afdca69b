import Foundation
import ZIPFoundation

/// ZIP archives of export files.
public enum ZipBundle {
    /// Writes a ZIP archive (deflate) at `zipPath` holding each file under its entry name, in order.
    /// Files are streamed in chunks, never read whole. An existing file at `zipPath` is replaced;
    /// if anything fails, no partial archive is left behind.
    /// Every entry is dated `modified` (the export's time, not the files' own), so that one export made twice
    /// from the same data is the same file byte for byte.
    public static func create(at zipPath: String, from files: [(name: String, path: String)], modified: Date) throws {
        let zipURL = URL(fileURLWithPath: zipPath)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: zipPath) { try fileManager.removeItem(at: zipURL) }
        do {
            try write(zipURL, files, modified: modified)
        } catch {
            try? fileManager.removeItem(at: zipURL)
            throw error
        }
    }

    /// Adds the entries; the archive closes its file when it goes away at the end.
    private static func write(_ zipURL: URL, _ files: [(name: String, path: String)], modified: Date) throws {
        let archive = try Archive(url: zipURL, accessMode: .create)
        for file in files {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: file.path))
            defer { try? handle.close() }
            let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int64 ?? 0
            try archive.addEntry(
                with: file.name, type: .file, uncompressedSize: size, modificationDate: modified, permissions: 0o644,
                compressionMethod: .deflate, bufferSize: 1 << 18
            ) { _, count in try handle.read(upToCount: count) ?? Data() }
        }
    }
}
