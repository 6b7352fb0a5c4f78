package io.oneinfra.agent.systemd;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Installs handlers for SIGHUP, SIGTERM and SIGINT. The JDK's only API for this is {@code sun.misc.Signal}
 * (module jdk.unsupported); it is reached by reflection because naming it is a compile warning we do not allow.
 */
public final class Signals {
  private Signals() {}

  /**
   * Runs {@code handler} on a JVM signal thread each time {@code name} ("HUP", "TERM", "INT") arrives.
   *
   * @throws IllegalStateException when the JVM does not offer signal handling
   */
  public static void handle(String name, Runnable handler) {
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Constructor<?> constructor = signalClass.getConstructor(String.class);
      Object signal = constructor.newInstance(name);
      InvocationHandler invocation = (proxy, method, args) -> {
        if (method.getName().equals("handle")) {
          handler.run();
          return null;
        }
        return switch (method.getName()) {
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          default -> "SignalHandler[" + name + "]";
        };
      };
      Object proxy = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass},
          invocation);
      Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
      handle.invoke(null, signal, proxy);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot handle SIG" + name + ": " + e, e);
    }
  }
}
