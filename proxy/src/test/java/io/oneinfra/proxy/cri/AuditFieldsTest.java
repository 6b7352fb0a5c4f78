package io.oneinfra.proxy.cri;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AuditFieldsTest {
  private static ProtoWriter podConfig(String name, String namespace) {
    return new ProtoWriter().message(1, new ProtoWriter().string(1, name).string(2, "uid-1").string(3, namespace)
        .varintField(4, 0)).string(3, "/var/log/pods");
  }

  private static Map<String, String> request(String method, byte[] message) {
    Map<String, String> out = new HashMap<>();
    AuditFields.request(method).read(message, 0, message.length, out);
    return out;
  }

  @Test
  void runPodSandboxGivesThePodsNameUidNamespaceAndHandler() {
    byte[] message = new ProtoWriter().message(1, podConfig("kube-apiserver", "cluster-1")).string(2, "runc")
        .toByteArray();
    assertThat(request("RunPodSandbox", message)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "pod_name", "kube-apiserver", "pod_uid", "uid-1", "pod_namespace", "cluster-1", "runtime_handler", "runc"));
  }

  @Test
  void createContainerGivesIdsImageAndNamesButNotItsEnvironmentOrCommand() {
    ProtoWriter config = new ProtoWriter()
        .message(1, new ProtoWriter().string(1, "etcd").varintField(2, 1))
        .message(2, new ProtoWriter().string(1, "quay.io/coreos/etcd:v3.4"))
        .string(3, "/usr/local/bin/etcd --secret=command-secret")
        .message(6, new ProtoWriter().string(1, "PASSWORD").string(2, "env-secret"));
    byte[] message = new ProtoWriter().string(1, "pod-123").message(2, config)
        .message(3, podConfig("etcd", "cluster-2")).toByteArray();
    Map<String, String> fields = request("CreateContainer", message);
    assertThat(fields).containsEntry("pod_sandbox_id", "pod-123").containsEntry("container_name", "etcd")
        .containsEntry("image", "quay.io/coreos/etcd:v3.4").containsEntry("pod_name", "etcd")
        .containsEntry("pod_namespace", "cluster-2");
    assertThat(fields.values()).noneMatch(v -> v.contains("secret") || v.contains("PASSWORD"));
  }

  @Test
  void pullImageNeverReadsItsCredentials() {
    byte[] message = new ProtoWriter().message(1, new ProtoWriter().string(1, "registry.example/app:1"))
        .message(2, new ProtoWriter().string(1, "user").string(2, "hunter2").string(3, "dXNlcjpodW50ZXIy")
            .string(5, "identity-token").string(6, "registry-token"))
        .message(3, podConfig("app", "ns")).toByteArray();
    Map<String, String> fields = request("PullImage", message);
    assertThat(fields).containsEntry("image", "registry.example/app:1").containsEntry("pod_name", "app");
    assertThat(fields.toString()).doesNotContain("hunter2", "dXNlcjpodW50ZXIy", "identity-token", "registry-token",
        "user");
  }

  @Test
  void responsesGiveTheNewIds() {
    byte[] sandbox = new ProtoWriter().string(1, "sandbox-9").toByteArray();
    Map<String, String> out = new HashMap<>();
    AuditFields.response("RunPodSandbox").read(sandbox, 0, sandbox.length, out);
    assertThat(out).containsExactly(Map.entry("pod_sandbox_id", "sandbox-9"));
    assertThat(AuditFields.response("Version")).isNull();
    assertThat(AuditFields.request("Version")).isNull();
  }

  @Test
  void aTruncatedCaptureStillGivesTheLeadingFields() {
    byte[] message = new ProtoWriter().string(1, "pod-7").message(2, new ProtoWriter()
        .message(1, new ProtoWriter().string(1, "long")).message(2, new ProtoWriter().string(1, "x".repeat(5000))))
        .toByteArray();
    Map<String, String> out = new HashMap<>();
    AuditFields.request("CreateContainer").read(message, 0, 40, out);
    assertThat(out).containsEntry("pod_sandbox_id", "pod-7").containsEntry("container_name", "long")
        .doesNotContainKey("image");
  }

  @Test
  void unknownFieldsOfEveryWireTypeAreSkipped() {
    byte[] message = new ProtoWriter().varintField(9, 300).fixed64(10).string(11, "skip")
        .string(1, "container-1").toByteArray();
    assertThat(request("StartContainer", message)).containsExactly(Map.entry("container_id", "container-1"));
  }

  @Test
  void longValuesAreCut() {
    byte[] message = new ProtoWriter().string(1, "c".repeat(10_000)).toByteArray();
    assertThat(request("StartContainer", message).get("container_id")).hasSize(ProtoFields.MAX_VALUE);
  }

  @Test
  void randomBytesNeverThrow() {
    Random random = new Random(13);
    for (int i = 0; i < 20_000; i++) {
      byte[] junk = new byte[random.nextInt(64)];
      random.nextBytes(junk);
      for (String method : new String[] {"CreateContainer", "RunPodSandbox", "PullImage", "ListContainers"}) {
        request(method, junk);
      }
    }
  }
}
