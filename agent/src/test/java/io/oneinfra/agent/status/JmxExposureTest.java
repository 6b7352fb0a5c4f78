package io.oneinfra.agent.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

class JmxExposureTest {
  private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();

  @Test
  void registersTheRegistryUnderTheAgentDomainUntilClosed() throws Exception {
    MetricRegistry registry = new MetricRegistry();
    registry.counter("jmx.test.bytes.in").inc(42);
    ObjectName pattern = new ObjectName("io.oneinfra.agent:name=jmx.test.bytes.in,*");

    JmxExposure jmx = JmxExposure.start(registry);
    try {
      assertThat(mbeans.queryNames(pattern, null)).singleElement().satisfies(name -> {
        assertThat(name.getDomain()).isEqualTo(JmxExposure.DOMAIN);
        assertThat(name.getKeyProperty("type")).isEqualTo("counters");
        assertThat(mbeans.getAttribute(name, "Count")).isEqualTo(42L);
      });
      registry.counter("jmx.test.later").inc();
      assertThat(mbeans.queryNames(new ObjectName("io.oneinfra.agent:name=jmx.test.later,*"), null)).hasSize(1);
    } finally {
      jmx.close();
    }

    assertThat(mbeans.queryNames(new ObjectName("io.oneinfra.agent:name=jmx.test.*,*"), null)).isEmpty();
    jmx.close();
  }
}
