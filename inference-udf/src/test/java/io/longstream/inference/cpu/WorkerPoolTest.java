package io.longstream.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkerPoolTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void sharedPiecesCoverEveryIndexExactlyOnceInContiguousRanges(int threads) {
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (int n : new int[] {0, 1, 5, 64, 1001}) {
                for (int pieces : new int[] {1, 3, 16, 5000}) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(n, 1));
                    pool.forPieces(n, pieces, (from, to) -> {
                        assertTrue(from < to, "empty piece [" + from + ", " + to + ")");
                        for (int i = from; i < to; i++) {
                            seen.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, seen.get(i), "index " + i + " of " + n + " in " + pieces + " pieces");
                    }
                }
            }
        }
    }

    @Test
    void eachThreadTakesItsShareFrontToBackThenTheOthersFromTheirFarEnd() {
        try (WorkerPool pool = new WorkerPool(2)) {
            int pieces = 10;
            Thread caller = Thread.currentThread();
            List<Integer> callerPieces = new ArrayList<>();
            List<Integer> workerPieces = new ArrayList<>();
            AtomicInteger workerDone = new AtomicInteger();
            pool.forPieces(pieces, pieces, (from, to) -> {
                if (Thread.currentThread() == caller) {
                    callerPieces.add(from);
                    // hold the caller on its first piece until the worker has taken every other one
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (workerDone.get() < pieces - 1 && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                } else {
                    workerPieces.add(from);
                    workerDone.incrementAndGet();
                }
            });
            assertEquals(List.of(0), callerPieces);
            assertEquals(List.of(5, 6, 7, 8, 9, 4, 3, 2, 1), workerPieces, "its own share in order, then the caller's from the end");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void oneRangePerThreadGivesEachThreadExactlyOneRange(int threads) {
        try (WorkerPool pool = new WorkerPool(threads)) {
            ConcurrentHashMap<Thread, Integer> ranges = new ConcurrentHashMap<>();
            pool.forRange(threads, (from, to) -> ranges.merge(Thread.currentThread(), to - from, Integer::sum));
            assertEquals(threads, ranges.size(), "one range per thread");
            ranges.values().forEach(count -> assertEquals(1, count));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aFailingPieceFailsTheLoop(int threads) {
        try (WorkerPool pool = new WorkerPool(threads)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.forPieces(100, 10, (from, to) -> {
                if (from <= 95 && 95 < to) {
                    throw new IllegalStateException("piece with 95");
                }
            }));
            assertEquals("piece with 95", e.getMessage());
            AtomicIntegerArray after = new AtomicIntegerArray(1);
            pool.forPieces(10, 5, (from, to) -> after.addAndGet(0, to - from));
            assertEquals(10, after.get(0), "the pool still works after a failure");
        }
    }
}
