package io.longstream.state.cache;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;

/**
 * The cache of one (layer, KV head): slots of (original position, key before RoPE, value), stored in
 * the cache dtype. A policy frees slots; later entries reuse the lowest free slot, so pages stay
 * slot-stable and only the pages an append or eviction touched need writing again.
 */
public final class HeadCache {
    /** The position of a free slot. */
    public static final int FREE = -1;

    private final int headDim;
    private final CacheDtype dtype;
    /** Slots in use or free below the highest used one; positions[slot] == FREE marks a free slot. */
    private int slots;
    private int size;
    private int[] positions;
    private float[] keys32;
    private float[] values32;
    private short[] keys16;
    private short[] values16;
    private byte[] keys8;
    private byte[] values8;
    /** INT8: one scale per slot for its key and one for its value. */
    private float[] keyScales;
    private float[] valueScales;
    private final BitSet free = new BitSet();
    private final BitSet dirtyPages = new BitSet();
    private long revision;
    /** Slots appended since the revision last changed, in order: what a derived view must add. */
    private int[] appended = new int[16];
    private int appendedCount;

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
        } else if (dtype == CacheDtype.INT8) {
            keys8 = new byte[capacity * headDim];
            values8 = new byte[capacity * headDim];
            keyScales = new float[capacity];
            valueScales = new float[capacity];
        } else {
            keys16 = new short[capacity * headDim];
            values16 = new short[capacity * headDim];
        }
    }

    /** Entries held (free slots not counted). */
    public int size() {
        return size;
    }

    /** Slots spanned, free ones included: slot indices run from 0 to this. */
    public int slots() {
        return slots;
    }

    public int headDim() {
        return headDim;
    }

    public CacheDtype dtype() {
        return dtype;
    }

    /**
     * Bumped whenever existing entries change (an eviction, a rollback, a restore), so views derived
     * from the slots (rotated keys) know to rebuild; appends only extend, see {@link #appendedSlot}.
     */
    public long revision() {
        return revision;
    }

    /** How many entries were appended since the revision last changed. */
    public int appendedCount() {
        return appendedCount;
    }

    /** The slot of the i-th entry appended since the revision last changed. */
    public int appendedSlot(int i) {
        if (i < 0 || i >= appendedCount) {
            throw new IndexOutOfBoundsException("append " + i + " of " + appendedCount);
        }
        return appended[i];
    }

    /** The slot's original position, or {@link #FREE}. */
    public int position(int slot) {
        checkSlot(slot);
        return positions[slot];
    }

    /** Appends an entry into the lowest free slot (or a new one), rounding key and value to the cache dtype; returns its slot. */
    public int append(int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        if (position < 0) {
            throw new IllegalArgumentException("positions are >= 0, got " + position);
        }
        int slot = free.nextSetBit(0);
        if (slot < 0) {
            ensureCapacity(slots + 1);
            slot = slots++;
        } else {
            free.clear(slot);
        }
        if (appendedCount == appended.length) {
            appended = Arrays.copyOf(appended, appendedCount * 2);
        }
        appended[appendedCount++] = slot;
        positions[slot] = position;
        int base = slot * headDim;
        if (dtype == CacheDtype.F32) {
            System.arraycopy(key, keyOffset, keys32, base, headDim);
            System.arraycopy(value, valueOffset, values32, base, headDim);
        } else if (dtype == CacheDtype.INT8) {
            float ks = CacheDtype.int8Scale(key, keyOffset, headDim);
            float vs = CacheDtype.int8Scale(value, valueOffset, headDim);
            keyScales[slot] = ks;
            valueScales[slot] = vs;
            for (int d = 0; d < headDim; d++) {
                keys8[base + d] = CacheDtype.int8(key[keyOffset + d], ks);
                values8[base + d] = CacheDtype.int8(value[valueOffset + d], vs);
            }
        } else {
            for (int d = 0; d < headDim; d++) {
                keys16[base + d] = dtype.encode16(key[keyOffset + d]);
                values16[base + d] = dtype.encode16(value[valueOffset + d]);
            }
        }
        size++;
        dirtyPages.set(slot / KvPageCodec.SLOTS_PER_PAGE);
        return slot;
    }

    /** The slots the next {@code count} appends will take, in order: the lowest free slots, then new ones. */
    public int[] nextAppendSlots(int count) {
        int[] next = new int[count];
        int slot = free.nextSetBit(0);
        int fresh = slots;
        for (int i = 0; i < count; i++) {
            if (slot >= 0) {
                next[i] = slot;
                slot = free.nextSetBit(slot + 1);
            } else {
                next[i] = fresh++;
            }
        }
        return next;
    }

    /**
     * Writes the stored bits of slots [from, from + count), never re-rounded, for a mirror of this head (a device
     * copy): the keys (count·headDim elements of the dtype), then the values, then for INT8 the count key scales and
     * the count value scales, in {@code dst}'s byte order. Free slots are zeros.
     */
    public void writeStored(int from, int count, ByteBuffer dst) {
        if (count == 0) {
            return;
        }
        checkSlot(from);
        checkSlot(from + count - 1);
        int a = from * headDim;
        int n = count * headDim;
        if (dtype == CacheDtype.F32) {
            dst.asFloatBuffer().put(keys32, a, n).put(values32, a, n);
            dst.position(dst.position() + 8 * n);
        } else if (dtype == CacheDtype.INT8) {
            dst.put(keys8, a, n).put(values8, a, n);
            dst.asFloatBuffer().put(keyScales, from, count).put(valueScales, from, count);
            dst.position(dst.position() + 8 * count);
        } else {
            dst.asShortBuffer().put(keys16, a, n).put(values16, a, n);
            dst.position(dst.position() + 4 * n);
        }
    }

    /** Drops the entry in {@code slot}; its slot is reused by a later append. */
    public void evict(int slot) {
        checkSlot(slot);
        if (positions[slot] == FREE) {
            throw new IllegalArgumentException("slot " + slot + " is already free");
        }
        clear(slot);
        free.set(slot);
        size--;
        changed();
        dirtyPages.set(slot / KvPageCodec.SLOTS_PER_PAGE);
    }

    /** The used slots, ordered by position (oldest first). */
    public int[] slotsByPosition() {
        int[] used = new int[size];
        int n = 0;
        for (int slot = 0; slot < slots; slot++) {
            if (positions[slot] != FREE) {
                used[n++] = slot;
            }
        }
        // positions are unique per head, so sorting (position, slot) pairs by position is total
        long[] keyed = new long[n];
        for (int i = 0; i < n; i++) {
            keyed[i] = ((long) positions[used[i]] << 32) | used[i];
        }
        Arrays.sort(keyed);
        for (int i = 0; i < n; i++) {
            used[i] = (int) keyed[i];
        }
        return used;
    }

    /** Decodes {@code count} keys from {@code slot} into {@code dst} (row-major, headDim per slot; zeros for free slots). */
    public void readKeys(int slot, int count, float[] dst, int dstOffset) {
        read(keys32, keys16, keys8, keyScales, slot, count, dst, dstOffset);
    }

    public void readValues(int slot, int count, float[] dst, int dstOffset) {
        read(values32, values16, values8, valueScales, slot, count, dst, dstOffset);
    }

    /** Pages changed since {@link #markSaved()}. */
    public BitSet dirtyPages() {
        return (BitSet) dirtyPages.clone();
    }

    /** Records that every slot is persisted as it is now. */
    public void markSaved() {
        dirtyPages.clear();
    }

    /** Records that no page is persisted yet (a copy that was never saved). */
    void markUnsaved() {
        dirtyPages.set(0, KvPageCodec.pages(slots));
    }

    /** Where this head stood, to return to after a scratch overlay. */
    Mark mark() {
        return new Mark(slots, (BitSet) free.clone(), (BitSet) dirtyPages.clone());
    }

    /** Drops every entry appended since {@code mark} (the overlay must only have appended). */
    void rollback(Mark mark) {
        for (int slot = 0; slot < slots; slot++) {
            boolean addedSince = slot >= mark.slots || mark.free.get(slot);
            if (addedSince && positions[slot] != FREE) {
                clear(slot);
                size--;
            }
        }
        slots = mark.slots;
        free.clear();
        free.or(mark.free);
        dirtyPages.clear();
        dirtyPages.or(mark.dirtyPages);
        changed();
    }

    static final class Mark {
        final int slots;
        final BitSet free;
        final BitSet dirtyPages;

        Mark(int slots, BitSet free, BitSet dirtyPages) {
            this.slots = slots;
            this.free = free;
            this.dirtyPages = dirtyPages;
        }
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

    byte[] keys8() {
        return keys8;
    }

    byte[] values8() {
        return values8;
    }

    float[] keyScales() {
        return keyScales;
    }

    float[] valueScales() {
        return valueScales;
    }

    /** Makes room for slots [0, newSlots) before the codec fills slots [from, newSlots). */
    void resizeForRestore(int newSlots) {
        ensureCapacity(newSlots);
        slots = Math.max(slots, newSlots);
        changed();
    }

    /** Existing entries changed: derived views rebuild, the append log starts over. */
    private void changed() {
        revision++;
        appendedCount = 0;
    }

    /** Rebuilds the count and the free set for slots [from, to) after the codec filled them. */
    void restored(int from, int to) {
        for (int slot = from; slot < to; slot++) {
            if (positions[slot] == FREE) {
                free.set(slot);
            } else {
                free.clear(slot);
                size++;
            }
        }
    }

    /** Bytes the entries occupy (positions, keys, values, int8 scales), not counting free slots or spare capacity. */
    public long bytes() {
        return (long) size * entryBytes(headDim, dtype);
    }

    /** Bytes one entry takes in memory and in a page. */
    public static long entryBytes(int headDim, CacheDtype dtype) {
        return Integer.BYTES + 2L * headDim * dtype.bytes() + (dtype == CacheDtype.INT8 ? 2L * Float.BYTES : 0);
    }

    private void clear(int slot) {
        positions[slot] = FREE;
        int base = slot * headDim;
        if (dtype == CacheDtype.F32) {
            Arrays.fill(keys32, base, base + headDim, 0f);
            Arrays.fill(values32, base, base + headDim, 0f);
        } else if (dtype == CacheDtype.INT8) {
            Arrays.fill(keys8, base, base + headDim, (byte) 0);
            Arrays.fill(values8, base, base + headDim, (byte) 0);
            keyScales[slot] = 0f;
            valueScales[slot] = 0f;
        } else {
            Arrays.fill(keys16, base, base + headDim, (short) 0);
            Arrays.fill(values16, base, base + headDim, (short) 0);
        }
    }

    private void read(float[] data32, short[] data16, byte[] data8, float[] scales, int slot, int count, float[] dst, int dstOffset) {
        if (count == 0) {
            return;
        }
        checkSlot(slot);
        checkSlot(slot + count - 1);
        int from = slot * headDim;
        int n = count * headDim;
        if (dtype == CacheDtype.F32) {
            System.arraycopy(data32, from, dst, dstOffset, n);
        } else if (dtype == CacheDtype.INT8) {
            for (int i = 0; i < n; i++) {
                dst[dstOffset + i] = data8[from + i] * scales[slot + i / headDim];
            }
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
        if (slot < 0 || slot >= slots) {
            throw new IndexOutOfBoundsException("slot " + slot + " of " + slots);
        }
    }

    private void ensureCapacity(int needed) {
        if (needed <= positions.length) {
            return;
        }
        int capacity = Math.max(needed, positions.length * 2);
        int old = positions.length;
        positions = Arrays.copyOf(positions, capacity);
        Arrays.fill(positions, old, capacity, FREE);
        if (dtype == CacheDtype.F32) {
            keys32 = Arrays.copyOf(keys32, capacity * headDim);
            values32 = Arrays.copyOf(values32, capacity * headDim);
        } else if (dtype == CacheDtype.INT8) {
            keys8 = Arrays.copyOf(keys8, capacity * headDim);
            values8 = Arrays.copyOf(values8, capacity * headDim);
            keyScales = Arrays.copyOf(keyScales, capacity);
            valueScales = Arrays.copyOf(valueScales, capacity);
        } else {
            keys16 = Arrays.copyOf(keys16, capacity * headDim);
            values16 = Arrays.copyOf(values16, capacity * headDim);
        }
    }
}
