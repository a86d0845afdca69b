import Foundation

/// Tells the current instant. The server asks it when a request has fully arrived;
/// tests give a clock they control.
public protocol InstantSource: Sendable {
    func now() -> Date
}

/// The system's wall clock.
public struct SystemInstantSource: InstantSource {
    public init() {}

    public func now() -> Date { Date() }
}
