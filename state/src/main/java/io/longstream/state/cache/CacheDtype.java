package io.longstream.state.cache;

/**
 * Element type of stored KV entries. Entries are rounded once, when appended, so the live cache
 * holds exactly the values its pages hold and a restored session is bit-identical.
 */
public enum CacheDtype {
    F32(4),
    BF16(2),
    F16(2),
    /**
     * Signed bytes with one f32 scale per entry vector (key and value each): scale = max|x| / 127,
     * q = round(x / scale). A scale belongs to one entry, so an append never rescales its neighbours.
     */
    INT8(1);

    private final int bytes;

    CacheDtype(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public static CacheDtype parse(String name) {
        for (CacheDtype d : values()) {
            if (d.name().equalsIgnoreCase(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown cache dtype '" + name + "' (expected f32, bf16, f16 or int8)");
    }

    /** The 16-bit code of {@code value} in this dtype (round to nearest even); F32 has none. */
    public short encode16(float value) {
        switch (this) {
            case BF16:
                return floatToBf16(value);
            case F16:
                return floatToF16(value);
            default:
                throw new IllegalStateException(this + " entries are not 16-bit");
        }
    }

    public float decode16(short code) {
        switch (this) {
            case BF16:
                return bf16ToFloat(code);
            case F16:
                return f16ToFloat(code);
            default:
                throw new IllegalStateException(this + " entries are not 16-bit");
        }
    }

    /** {@code value} as this dtype stores it (INT8 rounds per vector, see {@link #int8Scale}). */
    public float round(float value) {
        if (this == INT8) {
            throw new IllegalStateException("int8 rounds a whole vector with its scale, not one value");
        }
        return this == F32 ? value : decode16(encode16(value));
    }

    /** The INT8 scale of {@code x[off, off+n)}: max|x| / 127, or 0 for an all-zero vector. */
    public static float int8Scale(float[] x, int off, int n) {
        float max = 0f;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.abs(x[off + i]));
        }
        return max / 127f;
    }

    /** round(x / scale), clamped to [-127, 127]; 0 where the scale is 0. */
    public static byte int8(float x, float scale) {
        if (scale == 0f) {
            return 0;
        }
        return (byte) Math.max(-127, Math.min(127, Math.round(x / scale)));
    }

    public static float bf16ToFloat(short code) {
        return Float.intBitsToFloat((code & 0xFFFF) << 16);
    }

    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 0x0040); // keep NaN a (quiet) NaN
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    public static float f16ToFloat(short code) {
        int h = code & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int magnitude = h & 0x7FFF;
        if (magnitude >= 0x7C00) {
            return Float.intBitsToFloat(sign | 0x7F800000 | ((magnitude & 0x3FF) << 13));
        }
        // Shifting the f16 exponent+mantissa into f32 position and scaling by 2^112 rebases the
        // exponent exactly, subnormals included.
        float unsigned = Float.intBitsToFloat(magnitude << 13) * 0x1p112f;
        return Float.intBitsToFloat(sign | Float.floatToRawIntBits(unsigned));
    }

    public static short floatToF16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int magnitude = bits & 0x7FFFFFFF;
        if (magnitude > 0x7F800000) {
            return (short) (sign | 0x7E00);
        }
        if (magnitude >= 0x477FF000) { // rounds to >= 65520: overflow to infinity
            return (short) (sign | 0x7C00);
        }
        if (magnitude < 0x38800000) { // below the smallest normal f16 (2^-14): subnormal or zero
            // Adding 0.5 (2^-1) aligns the value so its f16 subnormal code lands in the low mantissa bits,
            // rounded to nearest even by the float addition itself.
            float shifted = Float.intBitsToFloat(magnitude) + 0.5f;
            return (short) (sign | (Float.floatToRawIntBits(shifted) - 0x3F000000));
        }
        int mantissaOdd = (magnitude >>> 13) & 1;
        int rounded = magnitude + 0xC8000FFF + mantissaOdd; // rebias exponent (-112 << 23) and round
        return (short) (sign | (rounded >>> 13));
    }
}
