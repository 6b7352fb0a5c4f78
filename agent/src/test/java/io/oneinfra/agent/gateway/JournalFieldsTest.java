package io.oneinfra.agent.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

class JournalFieldsTest {
  @TempDir
  Path tmp;

  @Test
  void encodesJournaldsNativeFormatWithTheBinaryFormForNewlines() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("MESSAGE", "one line");
    fields.put("CRI_MESSAGE", "two\nlines");
    byte[] bytes = JournalFields.encode(fields);
    byte[] length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(9).array();
    String expected = "MESSAGE=one line\nCRI_MESSAGE\n" + new String(length, StandardCharsets.ISO_8859_1)
        + "two\nlines\n";
    assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).isEqualTo(expected);
  }

  @Test
  void namesTheCallWithJournalFieldNames() {
    Map<String, String> fields = JournalFields.fields(Records.allowed("StartContainer", 0,
        Map.of("container_id", "c1")));
    assertThat(fields).containsEntry("ONEINFRA_AUDIT", "1").containsEntry("PRIORITY", "6")
        .containsEntry("SYSLOG_IDENTIFIER", "oneinfra-agent")
        .containsEntry("CRI_METHOD", "/runtime.v1alpha2.RuntimeService/StartContainer")
        .containsEntry("CRI_CONTAINER_ID", "c1").containsEntry("CRI_CODE", "OK")
        .containsEntry("CRI_CLIENT_CN", "oneinfra-client");
    assertThat(fields.keySet()).allMatch(k -> k.matches("[A-Z][A-Z0-9_]*"));
    assertThat(JournalFields.fields(Records.denied("Exec"))).containsEntry("PRIORITY", "4")
        .containsEntry("CRI_DECISION", "denied");
  }

  @Test
  void sendsOneDatagramPerRecord() throws Exception {
    Path socket = tmp.resolve("journal.socket");
    try (AFUNIXDatagramChannel journald = AFUNIXDatagramChannel.open()) {
      journald.bind(AFUNIXSocketAddress.of(socket));
      try (JournalFields sender = new JournalFields(socket)) {
        sender.send(Records.denied("RemoveImage"));
      }
      ByteBuffer received = ByteBuffer.allocate(65536);
      journald.receive(received);
      String datagram = new String(received.array(), 0, received.position(), StandardCharsets.UTF_8);
      assertThat(datagram).contains("CRI_METHOD=/runtime.v1.RuntimeService/RemoveImage\n")
          .contains("CRI_DECISION=denied\n").endsWith("\n");
    }
  }
}
