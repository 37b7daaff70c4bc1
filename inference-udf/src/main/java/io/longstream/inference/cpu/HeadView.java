package io.longstream.inference.cpu;

import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.RopeMode;
import java.util.Arrays;

/**
 * What attention reads of one {@link HeadCache}, in float, slot by slot: keys rotated by their RoPE
 * index (the position, or the rank among kept positions) and transposed ({@code keys[d * capacity +
 * slot]}) so scores vectorise over slots, values with rows padded to whole vectors ({@code
 * values[slot * valueStride + d]}), and each slot's position ({@link Integer#MAX_VALUE} for a free
 * slot, which no token sees). Derived, never persisted: it extends itself with slots appended at the
 * end and rebuilds when existing slots change.
 */
final class HeadView {
    private final int headDim;
    private final int valueStride;
    private float[] keys = new float[0];
    private float[] values = new float[0];
    private int[] positions = new int[0];
    /** RANK mode: kept positions in increasing order, so a position's index here is its rank. */
    private int[] sorted = new int[0];
    private int live;
    private int capacity;
    private int count;
    private long revision = -1;
    private RopeMode mode;
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

    /** Position of each slot; {@link Integer#MAX_VALUE} for free slots. */
    int[] positions() {
        return positions;
    }

    int capacity() {
        return capacity;
    }

    int valueStride() {
        return valueStride;
    }

    /** The RoPE index of the entry at {@code position} (which this head holds). */
    int ropeIndex(int position) {
        if (mode == RopeMode.ORIGINAL) {
            return position;
        }
        int rank = Arrays.binarySearch(sorted, 0, live, position);
        if (rank < 0) {
            throw new IllegalStateException("position " + position + " is not in this head");
        }
        return rank;
    }

    void sync(HeadCache head, RopeTable rope, RopeMode ropeMode) {
        if (head.revision() != revision || ropeMode != mode) {
            revision = head.revision();
            mode = ropeMode;
            count = 0;
            live = 0;
        }
        int slots = head.slots();
        if (slots > capacity) {
            grow(Math.max(slots, capacity * 2));
        }
        if (count == 0 && mode == RopeMode.RANK) {
            // ranks of every kept entry at once; slots appended later hold the newest positions
            for (int slot : head.slotsByPosition()) {
                sorted[live++] = head.position(slot);
            }
        }
        for (int slot = count; slot < slots; slot++) {
            int p = head.position(slot);
            if (p == HeadCache.FREE) {
                positions[slot] = Integer.MAX_VALUE;
                for (int d = 0; d < headDim; d++) {
                    keys[d * capacity + slot] = 0f;
                }
                Arrays.fill(values, slot * valueStride, (slot + 1) * valueStride, 0f);
                continue;
            }
            positions[slot] = p;
            if (mode == RopeMode.RANK && count > 0) {
                sorted[live++] = p;
            }
            head.readKeys(slot, 1, raw, 0);
            rope.rotate(raw, 0, rope.at(ropeIndex(p)), 1f, rotated, 0);
            for (int d = 0; d < headDim; d++) {
                keys[d * capacity + slot] = rotated[d];
            }
            head.readValues(slot, 1, values, slot * valueStride);
        }
        count = slots;
    }

    private void grow(int newCapacity) {
        // whole vectors of slots, so score loops never need a tail
        newCapacity = (newCapacity + Lanes.L - 1) / Lanes.L * Lanes.L;
        float[] nextKeys = new float[headDim * newCapacity];
        for (int d = 0; d < headDim; d++) {
            System.arraycopy(keys, d * capacity, nextKeys, d * newCapacity, count);
        }
        keys = nextKeys;
        values = Arrays.copyOf(values, newCapacity * valueStride);
        positions = Arrays.copyOf(positions, newCapacity);
        sorted = Arrays.copyOf(sorted, newCapacity);
        capacity = newCapacity;
    }
}
