package io.oneinfra.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelHostNameTest {
  @TempDir
  Path tmp;

  @Test
  void readsTheNameTheKernelHoldsWithoutItsNewline() throws Exception {
    Path file = Files.writeString(tmp.resolve("hostname"), "Booted-HV_1\n");
    assertThat(new KernelHostName(file).get()).isEqualTo("Booted-HV_1");
  }

  @Test
  void readsThisMachinesHostNameFromProcAsUnameDoes() throws Exception {
    String kernel = Files.readString(KernelHostName.PROC_HOSTNAME).strip();
    assertThat(new KernelHostName().get()).isEqualTo(kernel).isNotEmpty();
  }

  @Test
  void turnsBytesThatAreNotUtf8IntoReplacementCharactersNormalisationDrops() throws Exception {
    Path file = Files.write(tmp.resolve("hostname"), new byte[] {'h', 'v', (byte) 0xff, '1', '\n'});
    assertThat(Names.normalise(new KernelHostName(file).get())).isEqualTo("hv-1");
  }

  @Test
  void refusesAnEmptyNameNamingTheKeyAndTheFile() throws Exception {
    Path file = Files.writeString(tmp.resolve("hostname"), "\n");
    assertThatIllegalArgumentException().isThrownBy(() -> new KernelHostName(file).get())
        .withMessageStartingWith("hypervisor.name: not set").withMessageContaining(file.toString())
        .withMessageContaining("is empty; set hypervisor.name");
  }

  @Test
  void refusesAnUnreadableNameNamingTheKeyAndTheFile() {
    Path missing = tmp.resolve("absent");
    assertThatIllegalArgumentException().isThrownBy(() -> new KernelHostName(missing).get())
        .withMessageStartingWith("hypervisor.name: not set").withMessageContaining(missing.toString())
        .withMessageContaining("set hypervisor.name");
  }
}
