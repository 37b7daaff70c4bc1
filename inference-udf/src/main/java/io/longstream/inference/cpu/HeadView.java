package io.longstream.inference.cpu;

import io.longstream.state.cache.HeadCache;

/**
 * What attention reads of one {@link HeadCache}, in float: keys rotated by their positions and
 * transposed ({@code keys[d * capacity + slot]}) so scores vectorise over slots, and values with rows
 * padded to whole vectors ({@code values[slot * valueStride + d]}). Derived, never persisted: it
 * extends itself with new slots and rebuilds when the head's existing slots change.
 */
final class HeadView {
    private final int headDim;
    private final int valueStride;
    private float[] keys = new float[0];
    private float[] values = new float[0];
    private int capacity;
    private int count;
    private long revision = -1;
    private final float[] raw;
    private final float[] rotated;

    HeadView(int headDim) {
        this.headDim = headDim;
        this.valueStride = (headDim + Lanes.L - 1) / Lanes.L * Lanes.L;
        this.raw = new float[headDim];
        this.rotated = new float[headDim];
    }

    float[] keys() {
        return keys;
    }

    float[] values() {
        return values;
    }

    int capacity() {
        return capacity;
    }

    int valueStride() {
        return valueStride;
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
                keys[d * capacity + slot] = rotated[d];
            }
            head.readValues(slot, 1, values, slot * valueStride);
        }
        count = size;
    }

    private void grow(int newCapacity) {
        // whole vectors of slots, so score loops never need a tail
        newCapacity = (newCapacity + Lanes.L - 1) / Lanes.L * Lanes.L;
        float[] nextKeys = new float[headDim * newCapacity];
        for (int d = 0; d < headDim; d++) {
            System.arraycopy(keys, d * capacity, nextKeys, d * newCapacity, count);
        }
        keys = nextKeys;
        values = java.util.Arrays.copyOf(values, newCapacity * valueStride);
        capacity = newCapacity;
    }
}
