package io.oneinfra.proxy.cri;

/** The client connection's byte counters (its idle timer and its closing log line read them). */
public interface Traffic {
  /** {@code bytes} of messages went from the client to the runtime. */
  void in(int bytes);

  /** {@code bytes} of messages went from the runtime to the client. */
  void out(int bytes);
}
