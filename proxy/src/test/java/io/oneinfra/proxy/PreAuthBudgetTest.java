package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;

class PreAuthBudgetTest {
  private static final ProxySettings SETTINGS = ProxySettings.builder(new Address.Tcp("127.0.0.1", 0),
      new Address.Unix(Path.of("/nonexistent.sock"))).build();
  private final MetricRegistry registry = new MetricRegistry();
  private final ProxyMetrics metrics = new ProxyMetrics(registry);
  private ProxyContext context;

  private PreAuthBudget budget(int max, int perSource) throws SSLException {
    PreAuthBudget budget = new PreAuthBudget(new PreAuthLimits(max, perSource, Duration.ofSeconds(2)), metrics);
    context = new ProxyContext(SETTINGS, Transport.NIO, new ServerTls(ProxySettings.TlsProvider.JDK,
        TestCerts.material("budget")), metrics, new Admission(10, budget), null);
    return budget;
  }

  /** A pending handshake from {@code ip} on a channel that only knows its peer's address. */
  private PendingHandshake from(String ip) {
    InetSocketAddress remote = new InetSocketAddress(ip, 40000);
    EmbeddedChannel channel = new EmbeddedChannel() {
      @Override
      protected SocketAddress remoteAddress0() {
        return remote;
      }
    };
    return new PendingHandshake(context, channel, PreAuthLimits.DEFAULTS);
  }

  private PendingHandshake admitted(PreAuthBudget budget, String ip) {
    PendingHandshake handshake = from(ip);
    budget.admit(handshake);
    return handshake;
  }

  private long count(String name) {
    return registry.meter(name).getCount();
  }

  @Test
  void aSourceAtItsShareLosesItsOldestPendingHandshakeNotTheNewArrival() throws Exception {
    PreAuthBudget budget = budget(100, 3);
    PendingHandshake first = admitted(budget, "10.0.0.1");
    PendingHandshake second = admitted(budget, "10.0.0.1");
    admitted(budget, "10.0.0.1");
    PendingHandshake fourth = admitted(budget, "10.0.0.1");

    assertThat(first.channel.isOpen()).isFalse();
    assertThat(first.closedBy()).isEqualTo(HandshakeFailure.EVICTED);
    assertThat(count("proxy.handshake.failures.evicted")).as("counted: it had sent no byte").isEqualTo(1);
    assertThat(second.channel.isOpen()).isTrue();
    assertThat(fourth.channel.isOpen()).isTrue();
    assertThat(budget.pending()).isEqualTo(3);
    assertThat(count("proxy.preauth.evictions.source")).isEqualTo(1);
    assertThat(count("proxy.preauth.evictions.global")).isZero();
  }

  @Test
  void aFullBudgetLosesTheOldestPendingHandshakeOfTheSourceHoldingTheMost() throws Exception {
    PreAuthBudget budget = budget(4, 4);
    PendingHandshake lone = admitted(budget, "10.0.0.2");
    PendingHandshake floodOldest = admitted(budget, "10.0.0.1");
    admitted(budget, "10.0.0.1");
    admitted(budget, "10.0.0.1");

    PendingHandshake newcomer = admitted(budget, "10.0.0.3");

    assertThat(floodOldest.channel.isOpen()).isFalse();
    assertThat(lone.channel.isOpen()).as("older, but from a source holding less").isTrue();
    assertThat(newcomer.channel.isOpen()).isTrue();
    assertThat(budget.pending()).isEqualTo(4);
    assertThat(budget.sources()).isEqualTo(3);
    assertThat(count("proxy.preauth.evictions.global")).isEqualTo(1);
  }

  @Test
  void amongSourcesHoldingEquallyMuchTheOldestPendingHandshakeGoesFirst() throws Exception {
    PreAuthBudget budget = budget(4, 4);
    PendingHandshake b1 = admitted(budget, "10.0.0.2");
    PendingHandshake a1 = admitted(budget, "10.0.0.1");
    admitted(budget, "10.0.0.1");
    PendingHandshake b2 = admitted(budget, "10.0.0.2");

    admitted(budget, "10.0.0.3");
    assertThat(b1.channel.isOpen()).isFalse();
    assertThat(a1.channel.isOpen()).isTrue();

    admitted(budget, "10.0.0.4"); // now 10.0.0.1 holds the most
    assertThat(a1.channel.isOpen()).isFalse();
    assertThat(b2.channel.isOpen()).isTrue();
  }

  @Test
  void aNewArrivalAlwaysGetsItsTurnEvenWithRoomForOne() throws Exception {
    PreAuthBudget budget = budget(1, 1);
    PendingHandshake first = admitted(budget, "10.0.0.1");
    PendingHandshake second = admitted(budget, "10.0.0.2");
    assertThat(first.channel.isOpen()).isFalse();
    assertThat(second.channel.isOpen()).isTrue();
    assertThat(budget.pending()).isEqualTo(1);
  }

  @Test
  void aReleasedHandshakeFreesItsSlotAndAnEvictedOneCannotBeReleased() throws Exception {
    PreAuthBudget budget = budget(2, 1);
    PendingHandshake done = admitted(budget, "10.0.0.1");
    assertThat(budget.release(done)).isTrue();
    assertThat(budget.release(done)).as("released twice").isFalse();
    assertThat(budget.pending()).isZero();
    assertThat(budget.sources()).isZero();

    PendingHandshake evicted = admitted(budget, "10.0.0.1");
    admitted(budget, "10.0.0.1");
    assertThat(budget.release(evicted)).as("an evicted handshake that completes anyway").isFalse();
    assertThat(budget.pending()).isEqualTo(1);
  }

  @Test
  void aLoweredBudgetClosesNothingAtOnceAndAppliesAtTheNextArrival() throws Exception {
    PreAuthBudget budget = budget(10, 10);
    PendingHandshake[] held = new PendingHandshake[5];
    for (int i = 0; i < held.length; i++) {
      held[i] = admitted(budget, "10.0.0.1");
    }
    budget.update(new PreAuthLimits(3, 2, Duration.ofSeconds(1)));
    assertThat(budget.pending()).isEqualTo(5);
    assertThat(held).allSatisfy(h -> assertThat(h.channel.isOpen()).isTrue());

    admitted(budget, "10.0.0.1");
    assertThat(budget.pending()).isEqualTo(2);
    assertThat(held[3].channel.isOpen()).isFalse();
    assertThat(held[4].channel.isOpen()).isTrue();
  }

  @Test
  void closeAllClosesEveryPendingHandshakeWithTheReason() throws Exception {
    PreAuthBudget budget = budget(10, 10);
    PendingHandshake a = admitted(budget, "10.0.0.1");
    PendingHandshake b = admitted(budget, "2001:db8::1");
    budget.closeAll(HandshakeFailure.DRAINING);
    assertThat(a.channel.isOpen()).isFalse();
    assertThat(b.closedBy()).isEqualTo(HandshakeFailure.DRAINING);
    assertThat(budget.pending()).isZero();
    assertThat(budget.release(a)).isFalse();
  }

  @Test
  void countsIpv4ByAddressAndIpv6ByItsSlash64() throws Exception {
    assertThat(PreAuthBudget.sourceOf(new InetSocketAddress("192.0.2.7", 1))).isEqualTo("192.0.2.7");
    assertThat(PreAuthBudget.sourceOf(new InetSocketAddress("2001:db8:1:2:aaaa::1", 1)))
        .isEqualTo(PreAuthBudget.sourceOf(new InetSocketAddress("2001:db8:1:2:ffff:ffff:ffff:ffff", 1)))
        .isEqualTo("2001:db8:1:2::/64");
    assertThat(PreAuthBudget.sourceOf(new InetSocketAddress("2001:db8:1:3::1", 1))).isEqualTo("2001:db8:1:3::/64");
    assertThat(PreAuthBudget.sourceOf(new InetSocketAddress("::ffff:192.0.2.7", 1))).isEqualTo("192.0.2.7");
  }

  @Test
  void anIpv6Slash64IsOneSource() throws Exception {
    PreAuthBudget budget = budget(100, 2);
    PendingHandshake first = admitted(budget, "2001:db8:0:1::1");
    admitted(budget, "2001:db8:0:1::2");
    admitted(budget, "2001:db8:0:1:ffff::3");
    PendingHandshake otherPrefix = admitted(budget, "2001:db8:0:2::1");
    assertThat(first.channel.isOpen()).isFalse();
    assertThat(otherPrefix.channel.isOpen()).isTrue();
    assertThat(budget.sources()).isEqualTo(2);
  }
}
