package io.oneinfra.proxy.cri;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gRPC method path as a CRI call: {@code /runtime.v1alpha2.RuntimeService/RunPodSandbox} has API version
 * {@code v1alpha2}, service {@code RuntimeService} and name {@code RunPodSandbox}. Paths outside the two CRI services
 * of {@code runtime.v1} and {@code runtime.v1alpha2} are kept as they are, with no API version.
 *
 * @param path the path as the client sent it
 * @param api {@code v1}, {@code v1alpha2}, or empty when the path is not a CRI method
 * @param service {@code RuntimeService} or {@code ImageService}, or empty
 * @param name the method's name, e.g. {@code RunPodSandbox}, or the whole path when not a CRI method
 */
public record CriMethod(String path, String api, String service, String name) {
  private static final Pattern CRI_PATH =
      Pattern.compile("/runtime\\.(v1|v1alpha2)\\.(RuntimeService|ImageService)/([A-Za-z][A-Za-z0-9]*)");

  /** Reads a {@code :path}; never fails (anything not a CRI method is kept whole as its name). */
  public static CriMethod parse(CharSequence path) {
    String text = path == null ? "" : path.toString();
    Matcher m = CRI_PATH.matcher(text);
    if (!m.matches()) {
      return new CriMethod(text, "", "", text);
    }
    return new CriMethod(text, m.group(1), m.group(2), m.group(3));
  }

  /** True for a method of the CRI's RuntimeService or ImageService, in either API version. */
  public boolean isCri() {
    return !api.isEmpty();
  }

  /** True for a {@code runtime.v1alpha2} call. */
  public boolean isV1alpha2() {
    return "v1alpha2".equals(api);
  }

  /** The same call in {@code runtime.v1}: the messages are identical on the wire, only the package differs. */
  public CriMethod asV1() {
    return isV1alpha2() ? new CriMethod("/runtime.v1." + service + "/" + name, "v1", service, name) : this;
  }
}
