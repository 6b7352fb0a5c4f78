package io.oneinfra.agent.status;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import java.util.Objects;

/**
 * The Dropwizard registry's metrics as MBeans of the platform MBean server, in the domain {@value #DOMAIN}: for
 * example {@code io.oneinfra.agent:type=counters,name=proxy.bytes.in}. Metrics registered later appear too; closing
 * unregisters them all.
 */
public final class JmxExposure implements AutoCloseable {
  /** The JMX domain of every MBean. */
  public static final String DOMAIN = "io.oneinfra.agent";

  private final JmxReporter reporter;

  private JmxExposure(JmxReporter reporter) {
    this.reporter = reporter;
  }

  /** Registers an MBean for each metric of {@code registry}, now and as they are added. */
  public static JmxExposure start(MetricRegistry registry) {
    JmxReporter reporter = JmxReporter.forRegistry(Objects.requireNonNull(registry, "registry"))
        .inDomain(DOMAIN)
        .build();
    reporter.start();
    return new JmxExposure(reporter);
  }

  /** Unregisters the MBeans. Idempotent. */
  @Override
  public void close() {
    reporter.close();
  }
}
