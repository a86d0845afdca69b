import Foundation
import ZIPFoundation

/// ZIP archives of export files.
public enum ZipBundle {
    /// Writes a ZIP archive (deflate) at `zipPath` holding each file under its entry name, in order.
    /// Files are streamed in chunks, never read whole. An existing file at `zipPath` is replaced;
    /// if anything fails, no partial archive is left behind.
    public static func create(at zipPath: String, from files: [(name: String, path: String)]) throws {
        let zipURL = URL(fileURLWithPath: zipPath)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: zipPath) { try fileManager.removeItem(at: zipURL) }
        do {
            try write(zipURL, files)
        } catch {
            try? fileManager.removeItem(at: zipURL)
            throw error
        }
    }

    /// Adds the entries; the archive closes its file when it goes away at the end.
    private static func write(_ zipURL: URL, _ files: [(name: String, path: String)]) throws {
        let archive = try Archive(url: zipURL, accessMode: .create)
        for file in files {
            try archive.addEntry(
                with: file.name, fileURL: URL(fileURLWithPath: file.path),
                compressionMethod: .deflate, bufferSize: 1 << 18
            )
        }
    }
}
