/// A handle captured by a `@Sendable` closure. `@unchecked Sendable`: the owner guarantees the handle
/// outlives every use by the closure (it joins the thread before destroying the handle).
struct UncheckedHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
