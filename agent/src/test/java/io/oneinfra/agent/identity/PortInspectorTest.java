package io.oneinfra.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PortInspectorTest {
  private static final String TCP_HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
      + "   uid  timeout inode\n";
  private static final String TCP6_HEADER = "  sl  local_address                         remote_address"
      + "                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

  @TempDir
  Path proc;

  private static String tcp(int slot, String local, String remote, String state) {
    return "   " + slot + ": " + local + " " + remote + " " + state
        + " 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0";
  }

  private void write(String relative, String content) throws Exception {
    Path file = proc.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  private void writeTcp() throws Exception {
    write("net/tcp", TCP_HEADER
        + tcp(0, "0100007F:7530", "00000000:0000", "0A") + "\n" // 127.0.0.1:30000 LISTEN
        + tcp(1, "00000000:7531", "00000000:0000", "0A") + "\n" // *:30001 LISTEN
        + tcp(2, "0100007F:7532", "0100007F:1F90", "01") + "\n" // 30002 ESTABLISHED
        + tcp(3, "00000000:1F90", "00000000:0000", "0A") + "\n" // 8080 LISTEN, outside the range
        + tcp(4, "00000000:8000", "00000000:0000", "0A") + "\n"); // 32768 LISTEN, just outside
  }

  @Test
  void listeningInReturnsExactlyTheListeningPortsInsideTheRange() throws Exception {
    writeTcp();
    write("net/tcp6", TCP6_HEADER
        + tcp(0, "00000000000000000000000000000000:7FFF", "00000000000000000000000000000000:0000", "0A") + "\n"
        + tcp(1, "00000000000000000000000001000000:7533", "00000000000000000000000001000000:9C40", "06") + "\n");
    assertThat(new PortInspector(proc).listeningIn(new PortRange(30000, 32767)))
        .containsExactly(30000, 30001, 32767);
  }

  @Test
  void listeningInToleratesAMissingTcp6Table() throws Exception {
    writeTcp();
    assertThat(new PortInspector(proc).listeningIn(new PortRange(30000, 32767))).containsExactly(30000, 30001);
  }

  @Test
  void listeningInIsEmptyWithoutAnyTable() {
    assertThat(new PortInspector(proc).listeningIn(new PortRange(30000, 32767))).isEmpty();
  }

  @Test
  void listeningInIgnoresNonListeningSockets() throws Exception {
    write("net/tcp", TCP_HEADER + tcp(0, "0100007F:7532", "0100007F:1F90", "01") + "\n");
    assertThat(new PortInspector(proc).listeningIn(new PortRange(30000, 32767))).isEmpty();
  }

  @Test
  void ephemeralRangeReadsTheTabSeparatedBounds() throws Exception {
    write("sys/net/ipv4/ip_local_port_range", "32768\t60999\n");
    assertThat(new PortInspector(proc).ephemeralRange()).contains(new PortRange(32768, 60999));
  }

  @Test
  void ephemeralRangeRaisesALowBoundBelow1024() throws Exception {
    write("sys/net/ipv4/ip_local_port_range", "500\t60999\n");
    assertThat(new PortInspector(proc).ephemeralRange()).contains(new PortRange(1024, 60999));
  }

  @Test
  void ephemeralRangeIsEmptyWhenTheFileIsMissing() {
    assertThat(new PortInspector(proc).ephemeralRange()).isEmpty();
  }

  @Test
  void ephemeralRangeIsEmptyWhenTheFileIsGarbage() throws Exception {
    write("sys/net/ipv4/ip_local_port_range", "not numbers\n");
    assertThat(new PortInspector(proc).ephemeralRange()).isEmpty();
  }
}
