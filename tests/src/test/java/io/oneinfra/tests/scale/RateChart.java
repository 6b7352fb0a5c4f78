package io.oneinfra.tests.scale;

import io.oneinfra.tests.scale.RequestLog.Request;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** A scenario's requests per second over time as a PNG, drawn with JFreeChart: all, per kind, and the refused. */
final class RateChart {
  static final int WIDTH = 1000;
  static final int HEIGHT = 460;

  private RateChart() {}

  /**
   * Writes the chart of {@code figures} (requests of its window in {@code requests}) to {@code png}, with the
   * disturbance shaded and a line at twice the steady-state rate.
   */
  static void write(Figures figures, ScenarioRunner.Outcome outcome, List<Request> requests, double steadyRate,
      Path png) throws IOException {
    double bin = figures.binSeconds();
    Map<String, XYSeries> series = new LinkedHashMap<>();
    series.put("all", new XYSeries("all requests"));
    figures.perKind().keySet().forEach(kind -> series.put(kind, new XYSeries(kind)));
    series.put("refused", new XYSeries("answered other than 2xx"));
    Map<String, int[]> counts = new LinkedHashMap<>();
    series.keySet().forEach(key -> counts.put(key, new int[figures.bins().length]));
    long binNanos = (long) (bin * 1e9);
    for (Request request : requests) {
      int i = (int) ((request.atNanos() - outcome.fromNanos()) / binNanos);
      counts.get("all")[i]++;
      counts.get(request.kind())[i]++;
      if (!request.ok()) {
        counts.get("refused")[i]++;
      }
    }
    XYSeriesCollection dataset = new XYSeriesCollection();
    series.forEach((key, s) -> {
      int[] c = counts.get(key);
      for (int i = 0; i < c.length; i++) {
        s.add(i * bin, c[i] / bin);
      }
      dataset.addSeries(s);
    });
    JFreeChart chart = ChartFactory.createXYLineChart(figures.scenario().title() + " (" + figures.agents()
        + " agents)", "seconds", "requests per second", dataset, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    Color[] palette = {Color.BLACK, new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    for (int i = 0; i < dataset.getSeriesCount(); i++) {
      renderer.setSeriesPaint(i, i == dataset.getSeriesCount() - 1 ? Color.RED : palette[i % palette.length]);
      renderer.setSeriesStroke(i, new BasicStroke(i == 0 ? 1.6f : 1.0f));
    }
    plot.setRenderer(renderer);
    if (outcome.endedNanos() > outcome.beganNanos()) {
      IntervalMarker disturbance = new IntervalMarker((outcome.beganNanos() - outcome.fromNanos()) / 1e9,
          (outcome.endedNanos() - outcome.fromNanos()) / 1e9, new Color(255, 200, 200, 90));
      plot.addDomainMarker(disturbance);
    }
    ValueMarker twice = new ValueMarker(2 * steadyRate, Color.GRAY, new BasicStroke(1.0f, BasicStroke.CAP_BUTT,
        BasicStroke.JOIN_MITER, 1.0f, new float[] {6.0f, 4.0f}, 0.0f));
    twice.setLabel("2 × steady state");
    twice.setLabelAnchor(RectangleAnchor.TOP_LEFT);
    twice.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
    plot.addRangeMarker(twice);
    ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
  }
}
