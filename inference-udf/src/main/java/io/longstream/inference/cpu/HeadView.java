package io.longstream.inference.cpu;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.RopeMode;
import java.util.Arrays;

/**
 * What attention reads of one {@link HeadCache}, slot by slot: keys rotated by their RoPE index (the
 * position, or the rank among kept positions) and transposed within blocks of L slots (see {@link #keyIndex})
 * so scores vectorise over slots and read a block's keys as one contiguous run; values with rows padded to
 * whole vectors ({@code values[slot * valueStride + d]}); and each slot's position ({@link Integer#MAX_VALUE}
 * for a free slot, which no token sees). A bf16 cache's view keeps both at bf16, two to an int (see {@link
 * #packedKeys}, {@link #packedValues}): decode streams the view once per token, so its bytes are the cache
 * bytes the bandwidth roofline counts. Its values are the cache's own bits; its rotated keys are rounded to
 * bf16 once more, as a bf16 model's cache holds them. Derived, never persisted: it loads the entries
 * appended since its last sync and rebuilds when existing entries change.
 */
final class HeadView {
    private final int headDim;
    private final int valueStride;
    private float[] keys = new float[0];
    private float[] values = new float[0];
    /** Whether keys and values are kept as bf16 pairs instead of floats: bf16 caches, heads of whole 4L blocks. */
    private boolean packing;
    private int[] packed = new int[0];
    private int[] packedKeys = new int[0];
    private int[] positions = new int[0];
    /** RANK mode: kept positions in increasing order, so a position's index here is its rank. */
    private int[] sorted = new int[0];
    private int live;
    private int capacity;
    /** Appends of the current revision already loaded. */
    private int seen;
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

    /** Float keys, {@code keys[keyIndex(slot, d)]}; null when keys are packed. */
    float[] keys() {
        return packing ? null : keys;
    }

    /**
     * A bf16 cache's rotated keys, rounded to bf16, two dimensions to an int, in blocks of 2L slots: int {@link
     * #packedKeyIndex packedKeyIndex(slot, e)} holds dimension 2e of the slot's key in its low half and 2e + 1 in its
     * high half, so one int vector yields both dimensions for L slots, and a pair of L-slot blocks reads one run.
     * Null when keys are floats.
     */
    int[] packedKeys() {
        return packing ? packedKeys : null;
    }

    float[] values() {
        return values;
    }

    /**
     * A bf16 cache's values, read at half the bytes of floats (the bits are the same: bf16 widens exactly): row
     * {@code slot} holds headDim / 2 ints, and int {@code b·L + i} of it holds dimension {@code 2bL + i} in its low
     * half and {@code 2bL + L + i} in its high half, so one int vector yields two float vectors of consecutive
     * dimensions. Null when values are kept as floats.
     */
    int[] packedValues() {
        return packing ? packed : null;
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

    /** Where dimension d of slot {@code slot}'s key is in {@link #keys()}. */
    int keyIndex(int slot, int d) {
        return (slot / Lanes.L) * headDim * Lanes.L + d * Lanes.L + slot % Lanes.L;
    }

    /** Where dimensions 2e and 2e + 1 of slot {@code slot}'s key are in {@link #packedKeys()}. */
    int packedKeyIndex(int slot, int e) {
        return (slot / (2 * Lanes.L)) * headDim * Lanes.L + e * 2 * Lanes.L + slot % (2 * Lanes.L);
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
        packing = head.dtype() == CacheDtype.BF16 && headDim % (4 * Lanes.L) == 0;
        int slots = head.slots();
        if (slots > capacity) {
            grow(Math.max(slots, capacity * 2));
        }
        if (head.revision() != revision || ropeMode != mode) {
            revision = head.revision();
            mode = ropeMode;
            live = 0;
            if (mode == RopeMode.RANK) {
                for (int slot : head.slotsByPosition()) {
                    sorted[live++] = head.position(slot);
                }
            }
            for (int slot = 0; slot < slots; slot++) {
                load(head, slot, rope);
            }
        } else {
            // an append holds the newest position, so it never changes another entry's rank
            for (int i = seen; i < head.appendedCount(); i++) {
                int slot = head.appendedSlot(i);
                if (mode == RopeMode.RANK) {
                    sorted[live++] = head.position(slot);
                }
                load(head, slot, rope);
            }
        }
        seen = head.appendedCount();
    }

    /** Rotates and stores one slot's key and value (zeros and an invisible position for a free slot). */
    private void load(HeadCache head, int slot, RopeTable rope) {
        int p = head.position(slot);
        if (p == HeadCache.FREE) {
            positions[slot] = Integer.MAX_VALUE;
            if (packing) {
                for (int e = 0; e < headDim / 2; e++) {
                    packedKeys[packedKeyIndex(slot, e)] = 0;
                }
                Arrays.fill(packed, slot * headDim / 2, (slot + 1) * headDim / 2, 0);
            } else {
                for (int d = 0; d < headDim; d++) {
                    keys[keyIndex(slot, d)] = 0f;
                }
                Arrays.fill(values, slot * valueStride, (slot + 1) * valueStride, 0f);
            }
            return;
        }
        positions[slot] = p;
        head.readKeys(slot, 1, raw, 0);
        rope.rotate(raw, 0, rope.at(ropeIndex(p)), 1f, rotated, 0);
        if (packing) {
            for (int e = 0; e < headDim / 2; e++) {
                int low = CacheDtype.floatToBf16(rotated[2 * e]) & 0xFFFF;
                int high = CacheDtype.floatToBf16(rotated[2 * e + 1]) << 16;
                packedKeys[packedKeyIndex(slot, e)] = high | low;
            }
            head.readValues(slot, 1, raw, 0);
            int row = slot * headDim / 2;
            for (int b = 0; b < headDim / (2 * Lanes.L); b++) {
                for (int i = 0; i < Lanes.L; i++) {
                    int low = Float.floatToRawIntBits(raw[2 * b * Lanes.L + i]) >>> 16;
                    int high = Float.floatToRawIntBits(raw[2 * b * Lanes.L + Lanes.L + i]) & 0xFFFF0000;
                    packed[row + b * Lanes.L + i] = high | low;
                }
            }
        } else {
            for (int d = 0; d < headDim; d++) {
                keys[keyIndex(slot, d)] = rotated[d];
            }
            head.readValues(slot, 1, values, slot * valueStride);
        }
    }

    private void grow(int newCapacity) {
        // whole vectors of slots, so score loops never need a tail
        newCapacity = (newCapacity + Lanes.L - 1) / Lanes.L * Lanes.L;
        // blocks of slots do not depend on the capacity, so the loaded ones carry over as they are
        if (packing) {
            packedKeys = Arrays.copyOf(packedKeys, (newCapacity + 2 * Lanes.L - 1) / (2 * Lanes.L) * Lanes.L * headDim);
            packed = Arrays.copyOf(packed, newCapacity * headDim / 2);
        } else {
            keys = Arrays.copyOf(keys, headDim * newCapacity);
            values = Arrays.copyOf(values, newCapacity * valueStride);
        }
        positions = Arrays.copyOf(positions, newCapacity);
        sorted = Arrays.copyOf(sorted, newCapacity);
        capacity = newCapacity;
    }
}
