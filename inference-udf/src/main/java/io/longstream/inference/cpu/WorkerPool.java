package io.longstream.inference.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a loop over {@code [0, n)} split into contiguous ranges, one per thread. Kernels give every
 * output element to exactly one range and reduce inside it, so results do not depend on the split.
 *
 * <p>A decode step hands out about a hundred small loops, so workers spin briefly for the next one
 * before parking: waking a parked thread costs tens of microseconds each time.
 */
public final class WorkerPool implements AutoCloseable {
    /** The body of a parallel loop over {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    private static final int SPINS = 20_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicLong generation = new AtomicLong();
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile RangeTask task;
    private volatile int n;
    private volatile int parts;
    private volatile Thread caller;
    private volatile Throwable failure;
    private volatile boolean closed;

    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int part = i + 1;
            workers[i] = new Thread(() -> work(part), "longstream-cpu-" + part);
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    public int threads() {
        return threads;
    }

    public synchronized void forRange(int n, RangeTask task) {
        int parts = Math.min(threads, n);
        if (parts <= 1) {
            if (n > 0) {
                task.run(0, n);
            }
            return;
        }
        this.task = task;
        this.n = n;
        this.parts = parts;
        this.caller = Thread.currentThread();
        this.failure = null;
        remaining.set(parts - 1);
        generation.incrementAndGet();
        for (int i = 0; i < parts - 1; i++) {
            LockSupport.unpark(workers[i]);
        }
        task.run(0, (int) ((long) n / parts));
        for (int spin = 0; remaining.get() > 0; spin++) {
            if (spin < SPINS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 50_000);
            }
        }
        Throwable t = failure;
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    private void work(int part) {
        long seen = 0;
        while (!closed) {
            long g = generation.get();
            if (g == seen) {
                for (int spin = 0; spin < SPINS && generation.get() == seen && !closed; spin++) {
                    Thread.onSpinWait();
                }
                if (generation.get() == seen && !closed) {
                    LockSupport.park(this);
                }
                continue;
            }
            seen = g;
            int p = parts;
            if (part >= p) {
                continue;
            }
            int count = n;
            try {
                task.run((int) ((long) count * part / p), (int) ((long) count * (part + 1) / p));
            } catch (Throwable t) {
                failure = t;
            }
            if (remaining.decrementAndGet() == 0) {
                LockSupport.unpark(caller);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
