package io.oneinfra.agent.gateway;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import io.oneinfra.agent.config.CriConfig;
import io.oneinfra.proxy.cri.CallListener;
import io.oneinfra.proxy.cri.CallRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail: every call (or only denied ones) as a JSON line in a rotated file and, when asked, as journald
 * fields. Records are queued by the event loops and written by a thread of its own, so a slow disk never holds up a
 * call; when the queue is full a record is dropped and counted ({@code cri.audit.dropped}).
 */
public final class AuditTrail implements CallListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);
  private static final int QUEUE = 8192;
  private static final int WAKE_AT = QUEUE / 4;
  static final long FLUSH_MILLIS = 100;

  private final Queue<CallRecord> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AuditFile file;
  private final JournalFields journal;
  private final Meter dropped;
  private final Meter written;
  private final Thread writer;
  private volatile CriConfig.AuditMode mode;
  private volatile boolean closed;
  private long lastDropWarning;

  private AuditTrail(CriConfig.AuditMode mode, AuditFile file, JournalFields journal, MetricRegistry metrics) {
    this.mode = mode;
    this.file = file;
    this.journal = journal;
    this.dropped = metrics.meter("cri.audit.dropped");
    this.written = metrics.meter("cri.audit.records");
    this.writer = new Thread(this::run, "cri-audit");
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Opens the trail the {@code cri.audit} section describes.
   *
   * @throws IOException naming the file (or journald's socket) when it cannot be opened
   */
  public static AuditTrail open(CriConfig.Audit config, Path stateDir, MetricRegistry metrics) throws IOException {
    return open(config, stateDir, metrics, JournalFields.SOCKET);
  }

  static AuditTrail open(CriConfig.Audit config, Path stateDir, MetricRegistry metrics, Path journalSocket)
      throws IOException {
    Path path = config.fileIn(stateDir);
    AuditFile file;
    try {
      file = new AuditFile(path, config.maxFileSize().bytes(), config.maxFiles());
    } catch (IOException e) {
      throw new IOException("cri.audit.file: " + path + ": cannot open: " + e.getMessage(), e);
    }
    JournalFields journal = null;
    if (config.journald()) {
      try {
        journal = new JournalFields(journalSocket);
      } catch (IOException e) {
        file.close();
        throw e;
      }
    }
    return new AuditTrail(config.mode(), file, journal, metrics);
  }

  /** Switches what is recorded (SIGHUP). */
  public void mode(CriConfig.AuditMode newMode) {
    mode = newMode;
  }

  /** Whether anything is recorded now. */
  public boolean recording() {
    return mode != CriConfig.AuditMode.OFF;
  }

  /** The file records go to. */
  public Path file() {
    return file.path();
  }

  @Override
  public void ended(CallRecord record) {
    CriConfig.AuditMode now = mode;
    if (now == CriConfig.AuditMode.OFF || (now == CriConfig.AuditMode.DENIED_ONLY && record.allowed())) {
      return;
    }
    int size = queued.incrementAndGet();
    if (size > QUEUE) {
      queued.decrementAndGet();
      dropped.mark();
      warnDropped();
      return;
    }
    queue.add(record);
    if (size == WAKE_AT) {
      LockSupport.unpark(writer);
    }
  }

  private synchronized void warnDropped() {
    long now = System.nanoTime();
    if (now - lastDropWarning > TimeUnit.SECONDS.toNanos(10) || lastDropWarning == 0) {
      lastDropWarning = now;
      LOG.warn("cri audit: the writer is behind ({} records queued); dropping records (cri.audit.dropped: {})",
          QUEUE, dropped.getCount());
    }
  }

  private void run() {
    List<CallRecord> batch = new ArrayList<>();
    while (!closed || !queue.isEmpty()) {
      if (!closed) {
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(FLUSH_MILLIS));
      }
      for (CallRecord record; (record = queue.poll()) != null; ) {
        queued.decrementAndGet();
        batch.add(record);
      }
      if (!batch.isEmpty()) {
        write(batch);
        batch.clear();
      }
    }
  }

  private void write(List<CallRecord> batch) {
    try {
      for (CallRecord record : batch) {
        file.write(AuditJson.line(record));
        if (journal != null) {
          journal.send(record);
        }
        written.mark();
      }
      file.flush();
    } catch (IOException | RuntimeException e) {
      dropped.mark(batch.size());
      LOG.error("cri audit: cannot write to {}: {}", file.path(), e.getMessage());
    }
  }

  /** Writes what is queued, then closes the file. */
  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(writer);
    try {
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      file.close();
      if (journal != null) {
        journal.close();
      }
    } catch (IOException e) {
      LOG.warn("cri audit: closing {}: {}", file.path(), e.getMessage());
    }
  }
}
