import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Enforces what Hummingbird's idle timeout and NIO's header limits leave open (`HTTPLimits`): the
/// time to the first request head, the time and size of a request body.
///
/// Sits after HTTP decoding and before Hummingbird's connection state handler, one per connection,
/// and only touches the channel on its event loop (not `Sendable`).
final class RequestLimitsHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: HTTPLimits
    private var deadline: Scheduled<Void>?
    private var bodyBytes = 0
    private var receivedHead = false
    /// The connection is being closed for a broken limit: further input is dropped.
    private var closing = false

    init(limits: HTTPLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, limits.requestHeadTimeout) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if deadline == nil, !receivedHead { arm(context, limits.requestHeadTimeout) }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            receivedHead = true
            bodyBytes = 0
            if let length = head.headerFields[.contentLength].flatMap({ Int($0) }), length > limits.maxRequestBodyBytes {
                // Refused before a byte of the body is read; the app never sees the request.
                closing = true
                disarm()
                let response = HTTPResponse(status: .contentTooLarge, headerFields: [.connection: "close", .contentLength: "0"])
                context.write(wrapOutboundOut(.head(response)), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                context.close(promise: nil)   // the flush above already handed the bytes to the socket
                return
            }
            arm(context, limits.requestBodyTimeout)
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if bodyBytes > limits.maxRequestBodyBytes {
                // The head already went to the app, which may be answering: no second response.
                closing = true
                disarm()
                context.close(promise: nil)
                return
            }
        case .end:
            disarm()
        }
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: Duration) {
        disarm()
        deadline = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: .nanoseconds(timeout.nanosecondsForNIO)) {
            self.deadline = nil
            self.closing = true
            context.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}

@available(*, unavailable)
extension RequestLimitsHandler: Sendable {}
