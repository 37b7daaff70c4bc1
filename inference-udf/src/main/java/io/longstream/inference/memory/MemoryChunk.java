package io.longstream.inference.memory;

import io.longstream.inference.BatchedWork;

/**
 * One prefill chunk into a {@link SessionMemory} as a {@link BatchedWork}: its forwards can share passes with other
 * sessions' work ({@code ForwardBatch}), and once done the memory is exactly what {@link SessionMemory#prefill} leaves.
 */
public interface MemoryChunk extends BatchedWork {
    /** What the chunk did; only once {@link #done()}. */
    SessionMemory.Prefill result();
}
