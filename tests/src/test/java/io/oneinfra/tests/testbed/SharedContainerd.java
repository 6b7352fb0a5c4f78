package io.oneinfra.tests.testbed;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/** JUnit extension sharing one containerd per test JVM, started on first use and closed at the end. */
public final class SharedContainerd implements BeforeAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(SharedContainerd.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    containerd(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Containerd.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return containerd(context);
  }

  /** The JVM-wide instance; the root store closes AutoCloseable values when the whole run ends. */
  private static Containerd containerd(ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(
        Containerd.class, type -> startChecked(), Containerd.class);
  }

  private static Containerd startChecked() {
    return Containerd.start(Containerd.Flavor.DEBIAN_12);
  }
}
