package io.oneinfra.agent.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.ConsoleAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StartupLogConfiguratorTest {
  private final LoggerContext context = new LoggerContext();

  StartupLogConfiguratorTest() {
    context.setMDCAdapter(new LogbackMDCAdapter());
  }

  @AfterEach
  void stop() {
    context.stop();
  }

  @Test
  void setsUpStderrAtInfoWithTheLibrariesQuietAndStopsLogbackLookingForAFile() {
    ExecutionStatus status = StartupLogConfigurator.configure(context, false);

    assertThat(status).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.INFO);
    assertThat(root.getAppender("console")).isInstanceOfSatisfying(ConsoleAppender.class, appender -> {
      assertThat(appender.getTarget()).isEqualTo("System.err");
      assertThat(appender.isStarted()).isTrue();
    });
    assertThat(context.getLogger("io.netty").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("io.grpc").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger(LogSetup.CONNECTIONS).getEffectiveLevel()).isEqualTo(Level.INFO);
  }

  @Test
  void stepsAsideForALogbackFileAndLeavesTheContextUntouched() {
    ExecutionStatus status = StartupLogConfigurator.configure(context, true);

    assertThat(status).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("console")).isNull();
  }

  @Test
  void isRegisteredAsALogbackServiceAndTheXmlFileIsGone() throws Exception {
    Path services = Path.of("src/main/resources/META-INF/services/ch.qos.logback.classic.spi.Configurator");

    assertThat(Files.readString(services).strip()).isEqualTo(StartupLogConfigurator.class.getName());
    assertThat(Path.of("src/main/resources/logback.xml")).doesNotExist();
  }
}
