package io.longstream.state.cache;

import java.util.Arrays;

/**
 * The cache of one (layer, KV head): slots of (original position, key before RoPE, value), stored in
 * the cache dtype. Slots are dense, in append order.
 */
public final class HeadCache {
    private final int headDim;
    private final CacheDtype dtype;
    private int size;
    private int[] positions;
    private float[] keys32;
    private float[] values32;
    private short[] keys16;
    private short[] values16;
    private long revision;
    /** Lowest slot changed since the cache was last persisted: pages from its page on need writing. */
    private int lowestUnsaved;

    public HeadCache(int headDim, CacheDtype dtype, int initialCapacity) {
        if (headDim < 1) {
            throw new IllegalArgumentException("headDim must be >= 1, got " + headDim);
        }
        this.headDim = headDim;
        this.dtype = dtype;
        int capacity = Math.max(1, initialCapacity);
        positions = new int[capacity];
        if (dtype == CacheDtype.F32) {
            keys32 = new float[capacity * headDim];
            values32 = new float[capacity * headDim];
        } else {
            keys16 = new short[capacity * headDim];
            values16 = new short[capacity * headDim];
        }
    }

    public int size() {
        return size;
    }

    public int headDim() {
        return headDim;
    }

    public CacheDtype dtype() {
        return dtype;
    }

    /**
     * Bumped whenever existing slots change (truncation), so views derived from the slots (rotated keys)
     * know to rebuild rather than extend.
     */
    public long revision() {
        return revision;
    }

    public int position(int slot) {
        checkSlot(slot);
        return positions[slot];
    }

    /** Appends an entry, rounding key and value to the cache dtype; returns its slot. */
    public int append(int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        ensureCapacity(size + 1);
        int slot = size;
        positions[slot] = position;
        int base = slot * headDim;
        if (dtype == CacheDtype.F32) {
            System.arraycopy(key, keyOffset, keys32, base, headDim);
            System.arraycopy(value, valueOffset, values32, base, headDim);
        } else {
            for (int d = 0; d < headDim; d++) {
                keys16[base + d] = dtype.encode16(key[keyOffset + d]);
                values16[base + d] = dtype.encode16(value[valueOffset + d]);
            }
        }
        size++;
        lowestUnsaved = Math.min(lowestUnsaved, slot);
        return slot;
    }

    /** Drops every slot from {@code newSize} on (the scratch overlay of a query is dropped this way). */
    public void truncate(int newSize) {
        if (newSize < 0 || newSize > size) {
            throw new IllegalArgumentException("cannot truncate " + size + " slots to " + newSize);
        }
        if (newSize < size) {
            size = newSize;
            revision++;
            lowestUnsaved = Math.min(lowestUnsaved, newSize);
        }
    }

    /** Decodes {@code count} keys from {@code slot} into {@code dst} (row-major, headDim per slot). */
    public void readKeys(int slot, int count, float[] dst, int dstOffset) {
        read(keys32, keys16, slot, count, dst, dstOffset);
    }

    public void readValues(int slot, int count, float[] dst, int dstOffset) {
        read(values32, values16, slot, count, dst, dstOffset);
    }

    /** Lowest slot changed since {@link #markSaved()}; {@code size()} when nothing changed. */
    public int lowestUnsavedSlot() {
        return Math.min(lowestUnsaved, size);
    }

    /** Records that every slot is persisted as it is now. */
    public void markSaved() {
        lowestUnsaved = Integer.MAX_VALUE;
    }

    // Raw access for the page codec (same package): entries as stored, never re-rounded.

    int[] positionsArray() {
        return positions;
    }

    float[] keys32() {
        return keys32;
    }

    float[] values32() {
        return values32;
    }

    short[] keys16() {
        return keys16;
    }

    short[] values16() {
        return values16;
    }

    /** Makes room for slots [0, newSize) and declares them present; the codec then fills them. */
    void resizeForRestore(int newSize) {
        ensureCapacity(newSize);
        if (newSize < size) {
            revision++;
        }
        size = newSize;
    }

    /** Bytes the entries occupy (positions, keys, values), not counting spare capacity. */
    public long bytes() {
        return (long) size * (Integer.BYTES + 2L * headDim * dtype.bytes());
    }

    private void read(float[] data32, short[] data16, int slot, int count, float[] dst, int dstOffset) {
        if (count == 0) {
            return;
        }
        checkSlot(slot);
        checkSlot(slot + count - 1);
        int from = slot * headDim;
        int n = count * headDim;
        if (dtype == CacheDtype.F32) {
            System.arraycopy(data32, from, dst, dstOffset, n);
        } else if (dtype == CacheDtype.BF16) {
            for (int i = 0; i < n; i++) {
                dst[dstOffset + i] = CacheDtype.bf16ToFloat(data16[from + i]);
            }
        } else {
            for (int i = 0; i < n; i++) {
                dst[dstOffset + i] = CacheDtype.f16ToFloat(data16[from + i]);
            }
        }
    }

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= size) {
            throw new IndexOutOfBoundsException("slot " + slot + " of " + size);
        }
    }

    private void ensureCapacity(int needed) {
        if (needed <= positions.length) {
            return;
        }
        int capacity = Math.max(needed, positions.length * 2);
        positions = Arrays.copyOf(positions, capacity);
        if (dtype == CacheDtype.F32) {
            keys32 = Arrays.copyOf(keys32, capacity * headDim);
            values32 = Arrays.copyOf(values32, capacity * headDim);
        } else {
            keys16 = Arrays.copyOf(keys16, capacity * headDim);
            values16 = Arrays.copyOf(values16, capacity * headDim);
        }
    }
}
