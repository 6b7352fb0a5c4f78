package io.oneinfra.tests.support;

import com.codahale.metrics.MetricRegistry;
import io.oneinfra.proxy.Address;
import io.oneinfra.proxy.ProxyServer;
import io.oneinfra.proxy.ProxySettings;
import io.oneinfra.proxy.ServerTls;
import io.oneinfra.proxy.TlsMaterial;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLException;

/** A proxy on 127.0.0.1 (port 0) in front of a unix socket, with its own metric registry. */
public final class ProxyUnderTest implements AutoCloseable {
  public final ProxyServer server;
  public final MetricRegistry metrics = new MetricRegistry();

  private ProxyUnderTest(ProxySettings settings, TlsMaterial material) throws IOException {
    server = ProxyServer.start(settings, new ServerTls(settings.tlsProvider(), material), metrics);
  }

  /** Starts with default settings, adjusted by {@code tune}. */
  public static ProxyUnderTest start(TestPki pki, Path backend, UnaryOperator<ProxySettings.Builder> tune) {
    return start(pki.material(), backend, tune);
  }

  /** Starts with the given material (for an access policy) and default settings adjusted by {@code tune}. */
  public static ProxyUnderTest start(TlsMaterial material, Path backend,
      UnaryOperator<ProxySettings.Builder> tune) {
    return start(material, new Address.Unix(backend), tune);
  }

  /** Starts in front of any backend address ({@code unix:/path} or {@code HOST:PORT}). */
  public static ProxyUnderTest start(TlsMaterial material, Address backend,
      UnaryOperator<ProxySettings.Builder> tune) {
    ProxySettings.Builder builder = ProxySettings.builder(new Address.Tcp("127.0.0.1", 0), backend)
        .drainTimeout(Duration.ofSeconds(5));
    try {
      return new ProxyUnderTest(tune.apply(builder).build(), material);
    } catch (SSLException e) {
      throw new IllegalStateException("proxy under test: bad TLS material", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ProxyUnderTest start(TestPki pki, Path backend) {
    return start(pki, backend, b -> b);
  }

  public InetSocketAddress address() {
    return server.localAddress();
  }

  public int port() {
    return server.localAddress().getPort();
  }

  /**
   * Whether a TCP connection to the proxy's port is accepted now (false once the drain closed the listener). The probe
   * ends with a reset, so the proxy drops it at once: a FIN before the handshake would leave it open (half-closed)
   * until the handshake timeout, and a drain would wait for it.
   */
  public boolean accepts() {
    try (Socket probe = new Socket()) {
      probe.setSoLinger(true, 0);
      probe.connect(address(), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A meter's or counter's count, by its documented name. */
  public long count(String name) {
    var meter = metrics.getMeters().get(name);
    if (meter != null) {
      return meter.getCount();
    }
    var counter = metrics.getCounters().get(name);
    if (counter != null) {
      return counter.getCount();
    }
    throw new IllegalArgumentException("no meter or counter named " + name + " in " + metrics.getNames());
  }

  @Override
  public void close() {
    server.close();
  }
}
