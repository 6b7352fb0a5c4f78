package io.oneinfra.tests.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** The figures of a run as markdown, and their place between the markers of docs/SCALE.md. */
final class ScaleReport {
  static final String BEGIN = "<!-- figures: written by FleetScaleIT (tests/scale/run.sh); not edited by hand -->";
  static final String END = "<!-- end of figures -->";

  private ScaleReport() {}

  /** The figures section: how the run was made, the tables, and a chart per scenario ({@code charts/ID.png}). */
  static String markdown(List<Figures> all, String run, String charts) {
    Figures steady = all.get(0);
    StringBuilder md = new StringBuilder();
    md.append(run).append("\n\n");
    md.append("| scenario | window | requests | mean req/s | mean req/s during the disturbance | largest wave (fullest "
        + "bin, req/s, at s) | largest since the disturbance began, × steady | req per agent-minute | every agent "
        + "registered again after |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Figures f : all) {
      md.append("| ").append(f.scenario().title()).append(" | ").append(format(f.seconds())).append(" s | ")
          .append(f.requests()).append(" | ").append(format(f.meanRate())).append(" | ")
          .append(f.rateDuring() == null ? "" : format(f.rateDuring())).append(" | ")
          .append(format(f.peakRate())).append(" (").append(format(f.peakAtSeconds())).append(") | ")
          .append(f == steady ? "" : format(f.peakRateSinceDisturbance() / steady.meanRate())).append(" | ")
          .append(format(f.perAgentMinute())).append(" | ").append(registered(f)).append(" |\n");
    }
    Set<String> kinds = new TreeSet<>();
    all.forEach(f -> kinds.addAll(f.perKind().keySet()));
    md.append("\nMean requests per second by verb and resource (the peak 1-s bin in brackets is for all "
        + "requests):\n\n| scenario | ").append(String.join(" | ", kinds)).append(" |\n| ---")
        .append(" | ---:".repeat(kinds.size())).append(" |\n");
    for (Figures f : all) {
      md.append("| ").append(f.scenario().id()).append(" | ")
          .append(kinds.stream().map(k -> format(f.rate(k))).collect(Collectors.joining(" | "))).append(" |\n");
    }
    md.append("\nAnswers, Retry-After and the client side (per agent: the fleet JVMs' live heap after a full GC at "
        + "the end of the window, and their peak resident memory and threads during it, less the same JVMs before "
        + "any agent started, divided by the agents):\n\n"
        + "| scenario | answers by status | connections opened | 429s | requests sooner than Retry-After | "
        + "shortest wait after a 429 | heap per agent | RSS per agent (peak) | threads per agent (peak) |\n"
        + "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Figures f : all) {
      md.append("| ").append(f.scenario().id()).append(" | ")
          .append(f.perStatus().entrySet().stream().map(e -> (e.getKey() == 0 ? "none" : e.getKey()) + ": "
              + e.getValue()).collect(Collectors.joining(", "))).append(" | ").append(f.connections())
          .append(" | ").append(f.answered429())
          .append(" | ").append(f.answered429() == 0 ? "" : f.earlyAfter429()).append(" | ")
          .append(f.shortestWaitAfter429() == null ? "" : format(f.shortestWaitAfter429()) + " s").append(" | ")
          .append(format(f.heapPerAgentKib())).append(" KiB | ").append(format(f.rssPerAgentKib()))
          .append(" KiB | ").append(format(f.threadsPerAgent())).append(" |\n");
    }
    md.append("\nHow long the API double took to answer (from a request's arrival until its answer was sent, or until "
        + "it gave up: the double's own forwarding gives up after 10 s), and the requests it did not answer, by "
        + "why:\n\n| scenario | median | 99th percentile | longest | not answered |\n"
        + "| --- | ---: | ---: | ---: | --- |\n");
    for (Figures f : all) {
      md.append("| ").append(f.scenario().id()).append(" | ").append(format(f.answerMillis()[0])).append(" ms | ")
          .append(format(f.answerMillis()[1])).append(" ms | ").append(format(f.answerMillis()[2])).append(" ms | ")
          .append(f.unanswered().entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
              .collect(Collectors.joining(", "))).append(" |\n");
    }
    for (Figures f : all) {
      md.append("\n### ").append(f.scenario().title()).append("\n\n![").append(f.scenario().title())
          .append("](").append(charts).append('/').append(f.scenario().id()).append(".png)\n");
    }
    return md.toString();
  }

  private static String registered(Figures f) {
    if (f.reregisteredSeconds() == null) {
      return "";
    }
    return f.reregisteredSeconds() < 0 ? "**not within the window**" : format(f.reregisteredSeconds()) + " s";
  }

  static String format(double value) {
    double magnitude = Math.abs(value);
    return String.format(Locale.ROOT, magnitude >= 100 ? "%.0f" : magnitude >= 10 ? "%.1f" : "%.2f", value);
  }

  /** Replaces what lies between the markers of {@code document} with {@code figures}. */
  static void writeInto(Path document, String figures) throws IOException {
    String text = Files.readString(document);
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalStateException(document + ": the markers " + BEGIN + " and " + END + " are missing");
    }
    Files.writeString(document, text.substring(0, begin + BEGIN.length()) + "\n\n" + figures + "\n"
        + text.substring(end));
  }
}
