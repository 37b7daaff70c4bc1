package io.longstream.inference.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a loop over {@code [0, n)} split into contiguous ranges: one per thread ({@link #forRange}), or
 * more pieces than threads, shared out so a free thread takes over pieces of a busy one ({@link #forPieces}).
 * Kernels give every output element to exactly one range and reduce inside it, so results do not depend on
 * the split.
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
    /** Longs per cache line: the spacing of the threads' share slots. */
    private static final int SHARE_STRIDE = 8;

    private final int threads;
    private final Thread[] workers;
    private final AtomicLong generation = new AtomicLong();
    private final AtomicInteger remaining = new AtomicInteger();
    /**
     * Per thread, the pieces of its share not taken yet, {@code [front, back)} packed as {@code front << 32 | back}:
     * its owner takes them from the front, a thread done with its own share from the back. Unused for one range per
     * thread. Slots are a cache line apart, so owners do not contend.
     */
    private final AtomicLongArray shares;
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
        this.shares = new AtomicLongArray(threads * SHARE_STRIDE);
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
     * {@code [0, n)} cut into {@code pieces} contiguous pieces. Each thread owns a contiguous share of them and
     * takes it front to back, so it reads one long run of memory that the prefetchers follow across pieces
     * (pieces dealt out in turn, every thread hopping between short runs, streamed about 8% slower on a 2-core
     * Zen 4 VM in its faster memory phase); a thread done with its share takes the others' remaining pieces from their
     * far ends, so a thread the machine slows down takes fewer and the others do not wait for it at the end.
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
        if (shared) {
            for (int p = 0; p < parts; p++) {
                shares.set(p * SHARE_STRIDE, share(pieces * p / parts, pieces * (p + 1) / parts));
            }
        }
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

    /** Runs this part's range, or, when pieces are shared, its share and then what is left of the others'. */
    private void runPieces(int part, RangeTask task, int n, int pieces, boolean shared) {
        if (!shared) {
            runPiece(part, task, n, pieces);
            return;
        }
        int piece;
        while ((piece = take(part, true)) >= 0) {
            runPiece(piece, task, n, pieces);
        }
        for (int other = 1; other < parts; other++) {
            int owner = (part + other) % parts;
            while ((piece = take(owner, false)) >= 0) {
                runPiece(piece, task, n, pieces);
            }
        }
    }

    private static void runPiece(int piece, RangeTask task, int n, int pieces) {
        task.run((int) ((long) n * piece / pieces), (int) ((long) n * (piece + 1) / pieces));
    }

    private static long share(int front, int back) {
        return (long) front << 32 | (back & 0xFFFFFFFFL);
    }

    /** The first (or last) untaken piece of owner's share, taken, or -1 when none is left. */
    private int take(int owner, boolean fromFront) {
        int slot = owner * SHARE_STRIDE;
        while (true) {
            long s = shares.get(slot);
            int front = (int) (s >>> 32);
            int back = (int) s;
            if (front >= back) {
                return -1;
            }
            long rest = fromFront ? share(front + 1, back) : share(front, back - 1);
            if (shares.compareAndSet(slot, s, rest)) {
                return fromFront ? front : back - 1;
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
