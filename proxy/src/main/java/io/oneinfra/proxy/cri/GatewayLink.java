package io.oneinfra.proxy.cri;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * One client connection joined to its own runtime connection: each client stream is mirrored by a runtime stream,
 * headers, messages, trailers and resets are passed on, and flow control is end to end (a client's bytes are
 * acknowledged only once the runtime's socket took them, and the reverse).
 *
 * <p>Everything here runs on the client's event loop, which the runtime connection shares.
 */
final class GatewayLink {
  private static final int DECISION_CACHE = 64;

  private final CriGateway gateway;
  private final ClientIdentity client;
  private final Traffic traffic;
  private final IntObjectMap<Call> byClient = new IntObjectHashMap<>(4);
  private final IntObjectMap<Call> byRuntime = new IntObjectHashMap<>(4);
  private final Map<String, MethodPolicy.Decision> decisions = new HashMap<>();
  private final PingBudget pings;
  private MethodPolicy decidedWith;
  private int refusedStreams;
  private boolean closing;
  private ClientFacingHandler clientSide;
  private ChannelHandlerContext clientCtx;
  private RuntimeFacingHandler runtimeSide;
  private ChannelHandlerContext runtimeCtx;
  private boolean runtimeDirty;
  private boolean clientDirty;

  GatewayLink(CriGateway gateway, ClientIdentity client, Traffic traffic) {
    this.gateway = gateway;
    this.client = client;
    this.traffic = traffic;
    this.pings = new PingBudget(gateway.settings().maxPingsPerMinute(), System.nanoTime());
  }

  ClientIdentity client() {
    return client;
  }

  CriGateway gateway() {
    return gateway;
  }

  void clientSide(ClientFacingHandler handler, ChannelHandlerContext ctx) {
    clientSide = handler;
    clientCtx = ctx;
  }

  void runtimeSide(RuntimeFacingHandler handler, ChannelHandlerContext ctx) {
    runtimeSide = handler;
    runtimeCtx = ctx;
  }

  // ---- from the client

  void clientHeaders(int streamId, Http2Headers headers, boolean endOfStream) {
    Call call = byClient.get(streamId);
    if (call != null) { // trailers: gRPC clients send none, but pass them on as the runtime may read them
      if (call.runtimeStream > 0) {
        runtimeSide.encoder().writeHeaders(runtimeCtx, call.runtimeStream, headers, 0, endOfStream,
            runtimeCtx.newPromise());
        runtimeDirty = true;
      }
      return;
    }
    CriMethod method = CriMethod.parse(headers.path());
    call = new Call(streamId, method, gateway.settings().maxMessageSize(), gateway.auditing());
    if (!isGrpc(headers)) {
      call.decision = new MethodPolicy.Decision(false, "not a gRPC request (" + headers.method() + ", content-type "
          + headers.get("content-type") + ")");
      deny(call, GrpcStatus.INTERNAL);
      return;
    }
    call.decision = decide(method);
    if (!call.decision.allowed()) {
      deny(call, GrpcStatus.PERMISSION_DENIED);
      return;
    }
    forward(call, headers, endOfStream);
  }

  private void forward(Call call, Http2Headers headers, boolean endOfStream) {
    int runtimeStream = runtimeSide.connection().goAwayReceived() ? -1
        : runtimeSide.connection().local().incrementAndGetNextStreamId();
    if (runtimeStream < 0) {
      call.outcome(GrpcStatus.UNAVAILABLE, "the runtime connection is closing; retry on a new connection");
      answer(call, true);
      return;
    }
    call.forwarded = gateway.bridging() && call.method.isV1alpha2() ? call.method.asV1() : call.method;
    if (call.forwarded != call.method) {
      headers.path(call.forwarded.path());
    }
    headers.scheme("http"); // the runtime's socket is plaintext h2c
    call.runtimeStream = runtimeStream;
    byClient.put(call.clientStream, call);
    byRuntime.put(runtimeStream, call);
    gateway.listener().started(call.method.name());
    runtimeSide.encoder().writeHeaders(runtimeCtx, runtimeStream, headers, 0, endOfStream, runtimeCtx.newPromise())
        .addListener((ChannelFuture f) -> {
          if (!f.isSuccess() && !call.responseStarted) {
            call.outcome(GrpcStatus.UNAVAILABLE, "the runtime refused the call: " + f.cause().getMessage());
            answer(call, true);
            flushClient();
          }
        });
    runtimeDirty = true;
  }

  /** DATA from the client: passed on, and acknowledged to the client once the runtime's socket took it. */
  int clientData(int streamId, ByteBuf data, int padding, boolean endOfStream) {
    int bytes = data.readableBytes();
    Call call = byClient.get(streamId);
    if (call == null || call.runtimeStream <= 0) {
      return bytes + padding; // the call was answered already: drop what the client still sends
    }
    long declared = call.requestTap.accept(data);
    if (declared >= 0) {
      gateway.metrics().refused(GatewayRefusal.MESSAGE_TOO_LARGE);
      call.outcome(GrpcStatus.RESOURCE_EXHAUSTED, "message of " + declared + " bytes is larger than the limit of "
          + gateway.settings().maxMessageSize() + " (cri.maxMessageSize)");
      runtimeSide.resetStream(runtimeCtx, call.runtimeStream, Http2Error.CANCEL.code(), runtimeCtx.newPromise());
      runtimeDirty = true;
      answer(call, true);
      return bytes + padding;
    }
    call.requestBytes += bytes;
    traffic.in(bytes);
    runtimeSide.encoder().writeData(runtimeCtx, call.runtimeStream, data.retain(), 0, endOfStream,
        runtimeCtx.newPromise()).addListener(f -> consume(clientSide, clientCtx, streamId, bytes));
    runtimeDirty = true;
    return padding;
  }

  void clientReset(int streamId, long errorCode) {
    Call call = byClient.get(streamId);
    if (call != null) {
      call.outcome(GrpcStatus.CANCELLED, "cancelled by the client");
      resetRuntime(call);
    }
  }

  /** A PING or SETTINGS frame from the client; false when it has sent too many. */
  boolean clientControlFrame() {
    return pings.take(System.nanoTime());
  }

  /** The client opened a stream beyond MAX_CONCURRENT_STREAMS; true when it has done so too often. */
  boolean streamRefused() {
    return ++refusedStreams > gateway.settings().maxConcurrentStreams();
  }

  void clientStreamClosed(int streamId) {
    Call call = byClient.remove(streamId);
    if (call != null) {
      call.outcome(GrpcStatus.CANCELLED, "the client's stream closed");
      resetRuntime(call);
      finish(call);
    }
  }

  // ---- from the runtime

  void runtimeHeaders(int streamId, Http2Headers headers, boolean endOfStream) {
    Call call = byRuntime.get(streamId);
    if (call == null || !clientStreamOpen(call)) {
      return;
    }
    call.responseStarted = true;
    if (endOfStream) {
      call.outcome(GrpcStatus.of(headers), GrpcStatus.message(headers));
      call.responseEnded = true;
    }
    clientSide.encoder().writeHeaders(clientCtx, call.clientStream, headers, 0, endOfStream, clientCtx.newPromise());
    pings.credit();
    clientDirty = true;
  }

  int runtimeData(int streamId, ByteBuf data, int padding, boolean endOfStream) {
    int bytes = data.readableBytes();
    Call call = byRuntime.get(streamId);
    if (call == null || !clientStreamOpen(call)) {
      return bytes + padding;
    }
    if (call.responseTap != null) {
      call.responseTap.accept(data);
    }
    if (endOfStream) {
      call.outcome(GrpcStatus.UNKNOWN, "the runtime ended the call without a status");
      call.responseEnded = true;
    }
    call.responseBytes += bytes;
    traffic.out(bytes);
    call.responseStarted = true;
    clientSide.encoder().writeData(clientCtx, call.clientStream, data.retain(), 0, endOfStream,
        clientCtx.newPromise()).addListener(f -> consume(runtimeSide, runtimeCtx, streamId, bytes));
    pings.credit();
    clientDirty = true;
    return padding;
  }

  void runtimeReset(int streamId, long errorCode) {
    Call call = byRuntime.get(streamId);
    if (call != null) {
      call.outcome(GrpcStatus.ofReset(errorCode), "reset by the runtime (HTTP/2 error " + errorCode + ")");
      if (clientStreamOpen(call)) {
        call.responseEnded = true;
        clientSide.resetStream(clientCtx, call.clientStream, errorCode, clientCtx.newPromise());
        clientDirty = true;
      }
    }
  }

  void runtimeStreamClosed(int streamId) {
    Call call = byRuntime.remove(streamId);
    if (call == null) {
      return;
    }
    if (clientStreamOpen(call)) { // the runtime stream ended without its end reaching the client: tell it
      call.outcome(GrpcStatus.UNAVAILABLE, "the runtime closed the stream");
      answer(call, false);
      flushClient();
    }
    finish(call);
  }

  /** The runtime said GOAWAY: let calls in progress finish, and move the client to a new connection. */
  void runtimeGoingAway() {
    closeClientGracefully();
  }

  /** The runtime's connection is gone: every call still open fails UNAVAILABLE, then the client goes too. */
  void runtimeClosed() {
    for (Call call : new ArrayList<>(byClient.values())) {
      call.outcome(GrpcStatus.UNAVAILABLE, "the runtime closed the connection");
      if (clientStreamOpen(call)) {
        answer(call, false);
      }
    }
    flushClient();
    closeClientGracefully();
  }

  /**
   * Stop taking calls: GOAWAY now (in two steps, see {@link ClientFacingHandler#shutdownGracefully}), close once the
   * calls in progress are done (or the drain timeout passes).
   */
  void closeClientGracefully() {
    if (!closing && clientCtx != null) {
      closing = true;
      clientSide.shutdownGracefully(clientCtx);
    }
  }

  // ---- flushing: each side's reads end with a flush of the other side

  void flushRuntime() {
    if (runtimeDirty) {
      runtimeDirty = false;
      runtimeSide.flush(runtimeCtx);
    }
  }

  void flushClient() {
    if (clientDirty) {
      clientDirty = false;
      clientSide.flush(clientCtx);
    }
  }

  // ---- helpers

  private MethodPolicy.Decision decide(CriMethod method) {
    MethodPolicy policy = gateway.policy();
    if (policy != decidedWith || decisions.size() >= DECISION_CACHE) {
      decisions.clear();
      decidedWith = policy;
    }
    return decisions.computeIfAbsent(method.path(), path -> policy.decide(method, client));
  }

  private static boolean isGrpc(Http2Headers headers) {
    CharSequence contentType = headers.get("content-type");
    return "POST".contentEquals(String.valueOf(headers.method()))
        && contentType != null && contentType.toString().startsWith("application/grpc");
  }

  private void deny(Call call, int code) {
    gateway.denied(call, client);
    call.outcome(code, "permission denied: " + call.method.path() + " for " + client.label() + ": "
        + call.decision.reason());
    answer(call, true);
  }

  /**
   * Ends the client's stream with the call's outcome: a trailers-only response when nothing was sent yet, else a
   * reset (a status cannot follow a response already under way without its own trailers).
   */
  private void answer(Call call, boolean standalone) {
    call.responseEnded = true;
    if (!call.responseStarted) {
      call.responseStarted = true;
      clientSide.encoder().writeHeaders(clientCtx, call.clientStream,
          GrpcStatus.trailersOnly(call.status, call.message), 0, true, clientCtx.newPromise());
    } else {
      clientSide.resetStream(clientCtx, call.clientStream, Http2Error.CANCEL.code(), clientCtx.newPromise());
    }
    clientDirty = true;
    if (standalone) {
      byClient.remove(call.clientStream);
      if (call.runtimeStream > 0) {
        byRuntime.remove(call.runtimeStream);
      }
      finish(call);
    }
  }

  private void resetRuntime(Call call) {
    if (call.runtimeStream > 0) {
      Http2Stream stream = runtimeSide.connection().stream(call.runtimeStream);
      if (stream != null && stream.state() != Http2Stream.State.CLOSED) {
        runtimeSide.resetStream(runtimeCtx, call.runtimeStream, Http2Error.CANCEL.code(), runtimeCtx.newPromise());
        runtimeDirty = true;
      }
    }
  }

  private boolean clientStreamOpen(Call call) {
    if (call.responseEnded) {
      return false;
    }
    Http2Stream stream = clientSide.connection().stream(call.clientStream);
    return stream != null && stream.state() != Http2Stream.State.CLOSED
        && stream.state() != Http2Stream.State.HALF_CLOSED_LOCAL;
  }

  private void finish(Call call) {
    CallRecord record = call.end(client);
    if (record != null) {
      gateway.ended(record);
    }
  }

  /** Returns {@code bytes} of a stream's window to its sender, flushing the update at once. */
  private static void consume(Http2ConnectionHandler side, ChannelHandlerContext ctx,
      int streamId, int bytes) {
    Http2Stream stream = side.connection().stream(streamId);
    if (stream == null || bytes == 0) {
      return;
    }
    try {
      if (side.decoder().flowController().consumeBytes(stream, bytes)) {
        ctx.flush();
      }
    } catch (Http2Exception e) {
      side.onError(ctx, false, e);
    }
  }

  /** Closes the runtime side when the client is gone. */
  void clientClosed() {
    if (runtimeCtx != null) {
      runtimeCtx.channel().close();
    }
  }

  /** Open calls, for tests and the drain log. */
  int openCalls() {
    return byClient.size();
  }
}
