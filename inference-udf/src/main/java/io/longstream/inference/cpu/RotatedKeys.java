package io.longstream.inference.cpu;

import io.longstream.state.cache.HeadCache;

/**
 * The keys of one {@link HeadCache}, rotated by their positions and transposed
 * ({@code kT[d * capacity + slot]}) so scores vectorise over slots. Derived, never persisted: it extends
 * itself with new slots and rebuilds when the head's existing slots change.
 */
final class RotatedKeys {
    private final int headDim;
    private float[] kT = new float[0];
    private int capacity;
    private int count;
    private long revision = -1;
    private final float[] raw;
    private final float[] rotated;

    RotatedKeys(int headDim) {
        this.headDim = headDim;
        this.raw = new float[headDim];
        this.rotated = new float[headDim];
    }

    float[] transposed() {
        return kT;
    }

    int capacity() {
        return capacity;
    }

    void sync(HeadCache head, RopeTable rope) {
        if (head.revision() != revision) {
            revision = head.revision();
            count = 0;
        }
        int size = head.size();
        if (size > capacity) {
            grow(Math.max(size, capacity * 2));
        }
        for (int slot = count; slot < size; slot++) {
            head.readKeys(slot, 1, raw, 0);
            rope.rotate(raw, 0, rope.at(head.position(slot)), 1f, rotated, 0);
            for (int d = 0; d < headDim; d++) {
                kT[d * capacity + slot] = rotated[d];
            }
        }
        count = size;
    }

    private void grow(int newCapacity) {
        // pad to whole vectors so score loops never need a tail
        newCapacity = (newCapacity + Lanes.L - 1) / Lanes.L * Lanes.L;
        float[] next = new float[headDim * newCapacity];
        for (int d = 0; d < headDim; d++) {
            System.arraycopy(kT, d * capacity, next, d * newCapacity, count);
        }
        kT = next;
        capacity = newCapacity;
    }
}
