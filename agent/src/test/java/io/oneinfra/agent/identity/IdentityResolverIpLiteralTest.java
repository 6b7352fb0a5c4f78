package io.oneinfra.agent.identity;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.proxy.Address;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hypervisor.ipAddress takes only full IP literals, not the short IPv4 forms InetAddress would expand. */
class IdentityResolverIpLiteralTest {
  @TempDir
  Path tmp;

  private IdentityResolver resolver() {
    return new IdentityResolver(new AddressDetector(tmp.resolve("route")), new PortInspector(tmp.resolve("proc")),
        () -> "host");
  }

  private static AgentConfig.Hypervisor withIp(String ip) {
    return new AgentConfig.Hypervisor("hv-1", ip, null, null, null);
  }

  @Test
  void refusesASingleNumberAsIpAddress() {
    // actual: resolves to 0.0.0.10
    assertThatIllegalArgumentException()
        .isThrownBy(() -> resolver().resolve(withIp("10"), new Address.Tcp("", 7443)))
        .withMessageStartingWith("hypervisor.ipAddress:");
  }

  @Test
  void refusesAThreePartAddress() {
    // actual: resolves to 1.2.0.3
    assertThatIllegalArgumentException()
        .isThrownBy(() -> resolver().resolve(withIp("1.2.3"), new Address.Tcp("", 7443)))
        .withMessageStartingWith("hypervisor.ipAddress:");
  }
}
