package io.oneinfra.proxy.cri;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds protobuf wire bytes by hand, so the gateway's schema-less reader is tested without generated code. */
final class ProtoWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  ProtoWriter string(int field, String value) {
    return bytes(field, value.getBytes(StandardCharsets.UTF_8));
  }

  ProtoWriter message(int field, ProtoWriter value) {
    return bytes(field, value.toByteArray());
  }

  ProtoWriter bytes(int field, byte[] value) {
    varint((long) field << 3 | 2);
    varint(value.length);
    out.writeBytes(value);
    return this;
  }

  ProtoWriter varintField(int field, long value) {
    varint((long) field << 3);
    varint(value);
    return this;
  }

  ProtoWriter fixed64(int field) {
    varint((long) field << 3 | 1);
    out.writeBytes(new byte[8]);
    return this;
  }

  private void varint(long value) {
    while ((value & ~0x7fL) != 0) {
      out.write((int) (value & 0x7f) | 0x80);
      value >>>= 7;
    }
    out.write((int) value);
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  /** The bytes as one gRPC message: a zero flag byte, the big-endian length, the message. */
  byte[] grpcFramed() {
    byte[] message = toByteArray();
    byte[] framed = new byte[5 + message.length];
    framed[1] = (byte) (message.length >>> 24);
    framed[2] = (byte) (message.length >>> 16);
    framed[3] = (byte) (message.length >>> 8);
    framed[4] = (byte) message.length;
    System.arraycopy(message, 0, framed, 5, message.length);
    return framed;
  }
}
