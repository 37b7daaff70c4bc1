package io.longstream.inference.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a loop over {@code [0, n)} split into contiguous ranges: one per thread ({@link #forRange}), or
 * more pieces than threads, each taken by whichever thread is free ({@link #forPieces}). Kernels give
 * every output element to exactly one range and reduce inside it, so results do not depend on the split.
 *
 * <p>A decode step hands out about a hundred small loops, so threads spin for the next one (or for the
 * others to finish) before parking: waking a parked thread costs tens of microseconds each time. The
 * budget covers the serial work between loops with room to spare (a shorter one parked ~8 times a
 * token on a 2-core VM).
 */
public final class WorkerPool implements AutoCloseable {
    /** The body of a parallel loop over {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    private static final int SPINS = 200_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicLong generation = new AtomicLong();
    private final AtomicInteger remaining = new AtomicInteger();
    /** The next piece to take when pieces are shared; unused for one range per thread. */
    private final AtomicInteger nextPiece = new AtomicInteger();
    private volatile RangeTask task;
    private volatile int n;
    private volatile int parts;
    private volatile int pieces;
    private volatile boolean shared;
    private volatile Thread caller;
    /** The first piece's failure in the current loop, thrown by the caller once every thread is done. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
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

    /** One contiguous range per thread (a measurement that must keep each thread on its own share). */
    public void forRange(int n, RangeTask task) {
        run(n, Math.min(threads, n), false, task);
    }

    /**
     * {@code [0, n)} cut into {@code pieces} contiguous pieces that the threads take in turn until none is left, so
     * a thread the machine slows down takes fewer and the others do not wait for it at the end.
     */
    public void forPieces(int n, int pieces, RangeTask task) {
        run(n, Math.min(n, pieces), true, task);
    }

    private synchronized void run(int n, int pieces, boolean shared, RangeTask task) {
        int parts = Math.min(threads, pieces);
        if (parts <= 1) {
            if (n > 0) {
                task.run(0, n);
            }
            return;
        }
        this.task = task;
        this.n = n;
        this.parts = parts;
        this.pieces = pieces;
        this.shared = shared;
        nextPiece.set(parts);
        this.caller = Thread.currentThread();
        failure.set(null);
        remaining.set(parts - 1);
        generation.incrementAndGet();
        for (int i = 0; i < parts - 1; i++) {
            LockSupport.unpark(workers[i]);
        }
        try {
            runPieces(0, task, n, pieces, shared);
        } catch (Throwable t) {
            // the other threads may still be running pieces of this loop: wait for them before failing
            failure.compareAndSet(null, t);
        }
        for (int spin = 0; remaining.get() > 0; spin++) {
            if (spin < SPINS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 50_000);
            }
        }
        Throwable t = failure.get();
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
            try {
                runPieces(part, task, n, pieces, shared);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
            if (remaining.decrementAndGet() == 0) {
                LockSupport.unpark(caller);
            }
        }
    }

    /** Runs piece {@code first}, then, when pieces are shared, every piece no other thread has taken yet. */
    private void runPieces(int first, RangeTask task, int n, int pieces, boolean shared) {
        for (int i = first; i < pieces; i = shared ? nextPiece.getAndIncrement() : pieces) {
            task.run((int) ((long) n * i / pieces), (int) ((long) n * (i + 1) / pieces));
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
