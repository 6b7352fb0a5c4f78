package io.oneinfra.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class NamesTest {

  @Test
  void lowerCasesAndTurnsOtherCharactersIntoDashes() {
    assertThat(Names.normalise("My_Host.Example.COM")).isEqualTo("my-host.example.com");
  }

  @Test
  void dropsLeadingAndTrailingDashesOfEachLabel() {
    assertThat(Names.normalise("-web-.-db_")).isEqualTo("web.db");
  }

  @Test
  void dropsEmptyLabels() {
    assertThat(Names.normalise(".a..b.")).isEqualTo("a.b");
  }

  @Test
  void dropsLabelsThatAreOnlyDashes() {
    assertThat(Names.normalise("node.---.example")).isEqualTo("node.example");
  }

  @Test
  void trimsSurroundingWhitespace() {
    assertThat(Names.normalise("  node-1 \n")).isEqualTo("node-1");
  }

  @Test
  void capsALabelAt63Characters() {
    String name = Names.normalise("a".repeat(70) + ".example");
    assertThat(name).isEqualTo("a".repeat(63) + ".example");
  }

  @Test
  void dropsDashesLeftAtTheEndOfACappedLabel() {
    String name = Names.normalise("a".repeat(62) + "-b" + ".example");
    assertThat(name).isEqualTo("a".repeat(62) + ".example");
  }

  @Test
  void capsTheWholeNameAt253CharactersWithoutATrailingDot() {
    String label = "b".repeat(63);
    String name = Names.normalise(String.join(".", label, label, label, label, label));
    assertThat(name).hasSizeLessThanOrEqualTo(253).doesNotEndWith(".").doesNotEndWith("-");
    assertThat(Names.isValid(name)).isTrue();
    assertThat(name).isEqualTo(String.join(".", label, label, label, "b".repeat(61)));
  }

  @Test
  void capThatEndsOnADotDropsTheDanglingDot() {
    String label = "c".repeat(63);
    // the 253rd character is the dot before the last label
    String name = Names.normalise(String.join(".", label, label, label, "c".repeat(60), "z"));
    assertThat(name).hasSize(252).isEqualTo(String.join(".", label, label, label, "c".repeat(60)));
  }

  @Test
  void keepsAnAlreadyValidName() {
    assertThat(Names.normalise("node-7.example")).isEqualTo("node-7.example");
  }

  @Test
  void refusesInputOfOnlyDashesNamingTheKey() {
    assertThatIllegalArgumentException().isThrownBy(() -> Names.normalise("---"))
        .withMessageStartingWith("hypervisor.name:").withMessageContaining("'---'");
  }

  @Test
  void refusesEmptyInputNamingTheKey() {
    assertThatIllegalArgumentException().isThrownBy(() -> Names.normalise(""))
        .withMessageStartingWith("hypervisor.name:");
  }

  @Test
  void refusesInputOfOnlyDotsAndSymbolsNamingTheKey() {
    assertThatIllegalArgumentException().isThrownBy(() -> Names.normalise("._.!."))
        .withMessageStartingWith("hypervisor.name:");
  }

  @Test
  void isValidAcceptsALowerCaseSubdomain() {
    assertThat(Names.isValid("node-1.example.com")).isTrue();
  }

  @Test
  void isValidAcceptsASingleCharacter() {
    assertThat(Names.isValid("a")).isTrue();
  }

  @Test
  void isValidRefusesUpperCase() {
    assertThat(Names.isValid("Node")).isFalse();
  }

  @Test
  void isValidRefusesUnderscore() {
    assertThat(Names.isValid("my_host")).isFalse();
  }

  @Test
  void isValidRefusesALabelStartingOrEndingWithADash() {
    assertThat(Names.isValid("-node")).isFalse();
    assertThat(Names.isValid("node-")).isFalse();
    assertThat(Names.isValid("a.-b")).isFalse();
  }

  @Test
  void isValidRefusesEmptyLabels() {
    assertThat(Names.isValid("a..b")).isFalse();
    assertThat(Names.isValid(".a")).isFalse();
    assertThat(Names.isValid("a.")).isFalse();
  }

  @Test
  void isValidRefusesTheEmptyString() {
    assertThat(Names.isValid("")).isFalse();
  }

  @Test
  void isValidAccepts253CharactersAndRefuses254() {
    String label = "e".repeat(63);
    String at253 = String.join(".", label, label, label, "e".repeat(61));
    assertThat(at253).hasSize(253);
    assertThat(Names.isValid(at253)).isTrue();
    assertThat(Names.isValid(at253 + "e")).isFalse();
  }
}
