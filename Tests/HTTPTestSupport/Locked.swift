import Foundation

/// A value set from another thread; `value` waits until it is.
public final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSCondition()
    private var stored: Value
    private var wasSet = false

    public init(_ value: Value) { stored = value }

    public func set(_ value: Value) {
        lock.lock()
        stored = value
        wasSet = true
        lock.broadcast()
        lock.unlock()
    }

    /// Whether `set` was called (does not wait).
    public var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return wasSet
    }

    /// The value once `set` was called (waits for it).
    public var value: Value {
        lock.lock()
        while !wasSet { lock.wait() }
        defer { lock.unlock() }
        return stored
    }
}
