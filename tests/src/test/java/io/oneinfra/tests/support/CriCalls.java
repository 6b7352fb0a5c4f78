package io.oneinfra.tests.support;

import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.proto.EmptyResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Any CRI method by name, for tests that call what the agent's own client never does (exec, images, events). */
public final class CriCalls {
  private CriCalls() {}

  /** The service a CRI method belongs to. */
  public static String service(String method) {
    return switch (method) {
      case "ListImages", "ImageStatus", "PullImage", "RemoveImage", "ImageFsInfo" -> "ImageService";
      default -> "RuntimeService";
    };
  }

  /** A unary descriptor of {@code method} in {@code api}. */
  public static <Q extends Message, R extends Message> MethodDescriptor<Q, R> unary(CriApiVersion api,
      String method, Q request, R response) {
    return descriptor(api, method, request, response, MethodDescriptor.MethodType.UNARY);
  }

  /** A server-streaming descriptor of {@code method} in {@code api}. */
  public static <Q extends Message, R extends Message> MethodDescriptor<Q, R> serverStreaming(CriApiVersion api,
      String method, Q request, R response) {
    return descriptor(api, method, request, response, MethodDescriptor.MethodType.SERVER_STREAMING);
  }

  private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> descriptor(CriApiVersion api,
      String method, Q request, R response, MethodDescriptor.MethodType type) {
    @SuppressWarnings("unchecked")
    MethodDescriptor.Marshaller<Q> requests = (MethodDescriptor.Marshaller<Q>) ProtoUtils.marshaller(
        request.getDefaultInstanceForType());
    @SuppressWarnings("unchecked")
    MethodDescriptor.Marshaller<R> responses = (MethodDescriptor.Marshaller<R>) ProtoUtils.marshaller(
        response.getDefaultInstanceForType());
    return MethodDescriptor.<Q, R>newBuilder().setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(api.protoPackage() + "." + service(method), method))
        .setRequestMarshaller(requests).setResponseMarshaller(responses).build();
  }

  /** Calls {@code method} with {@code request}, reading the answer as {@code response}'s type. */
  public static <Q extends Message, R extends Message> R call(Channel channel, CriApiVersion api, String method,
      Q request, R response, Duration deadline) {
    return ClientCalls.blockingUnaryCall(channel, unary(api, method, request, response),
        CallOptions.DEFAULT.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS), request);
  }

  /** Calls {@code method}, ignoring what it answers. */
  public static <Q extends Message> void call(Channel channel, CriApiVersion api, String method, Q request,
      Duration deadline) {
    call(channel, api, method, request, EmptyResponse.getDefaultInstance(), deadline);
  }
}
